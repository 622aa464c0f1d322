"""Precision, recall and F1 per label, and where the model gets confused."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Optional, Sequence


@dataclass(frozen=True)
class LabelScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int  # how many messages truly carry this label
    predicted: int  # how many messages the model gave this label


@dataclass(frozen=True)
class Miss:
    text: str
    expected: str
    predicted: str
    confidence: float


@dataclass(frozen=True)
class Evaluation:
    """The scores of one set of predictions against the truth."""

    labels: tuple[str, ...]
    scores: tuple[LabelScore, ...]
    macro_f1: float
    accuracy: float
    confusions: tuple[tuple[str, str, int], ...]  # expected, predicted, count; worst first
    misses: tuple[Miss, ...]
    matrix: tuple[tuple[int, ...], ...]  # rows: expected, columns: predicted (labels + extras)
    matrix_columns: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    def score(self, label: str) -> Optional[LabelScore]:
        return next((s for s in self.scores if s.label == label), None)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def precision_recall_f1(hits: int, predicted: int, actual: int) -> tuple[float, float, float]:
    """``hits`` right out of ``predicted`` guesses and ``actual`` true cases; 0 where undefined."""
    precision = hits / predicted if predicted else 0.0
    recall = hits / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def evaluate(
    expected: Sequence[str],
    predicted: Sequence[str],
    *,
    texts: Sequence[str],
    confidences: Sequence[float],
    labels: Optional[Sequence[str]] = None,
) -> Evaluation:
    """Score ``predicted`` against ``expected``; macro-F1 averages over ``labels``.

    ``labels`` defaults to every label that occurs in ``expected``; predictions
    outside it (say ``nlu_fallback``) still count as misses.
    """
    if not (len(expected) == len(predicted) == len(texts) == len(confidences)):
        raise ValueError("expected, predicted, texts and confidences differ in length")
    label_list = tuple(labels) if labels is not None else tuple(sorted(set(expected)))
    pairs = Counter(zip(expected, predicted))
    truth = Counter(expected)
    guessed = Counter(predicted)
    scores = []
    for label in label_list:
        precision, recall, f1 = precision_recall_f1(pairs[(label, label)], guessed[label],
                                                    truth[label])
        scores.append(LabelScore(label, round(precision, 4), round(recall, 4), round(f1, 4),
                                 truth[label], guessed[label]))
    scored = [s for s in scores if s.support]
    macro = sum(s.f1 for s in scored) / len(scored) if scored else 0.0
    correct = sum(n for (e, p), n in pairs.items() if e == p)
    confusions = sorted(((e, p, n) for (e, p), n in pairs.items() if e != p),
                        key=lambda item: (-item[2], item[0], item[1]))
    misses = tuple(
        Miss(t, e, p, round(c, 4))
        for t, e, p, c in sorted(zip(texts, expected, predicted, confidences),
                                 key=lambda row: (row[1], -row[3]))
        if e != p
    )
    columns = label_list + tuple(sorted(set(predicted) - set(label_list)))
    matrix = tuple(tuple(pairs[(row, col)] for col in columns) for row in label_list)
    return Evaluation(
        labels=label_list, scores=tuple(scores), macro_f1=round(macro, 4),
        accuracy=round(correct / len(expected), 4) if expected else 0.0,
        confusions=tuple(confusions), misses=misses, matrix=matrix, matrix_columns=columns,
    )


def label_table(evaluation: Evaluation) -> str:
    """Precision, recall and F1 per label as plain text: aggregates, never a message."""
    rows = [f"{'label':28} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}"]
    rows += [f"{s.label:28} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.support:5d}"
             for s in evaluation.scores]
    rows.append(f"{'macro-F1':28} {'':6} {'':6} {evaluation.macro_f1:6.3f}")
    return "\n".join(rows)
