"""``careline nlu-report``: how well the NLU understands examples it was not trained on.

Two views of the same data: one holdout split with a fixed seed (cheap, the
one the quality floor checks) and stratified k-fold cross-validation (every
example gets tested once; slower, for the designer's report).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from careline.designer.metrics import Evaluation, evaluate
from careline.designer.render import write_evaluation
from careline.designer.training import FALLBACK_INTENT, Prediction, parse_texts, train_nlu_model

if TYPE_CHECKING:  # Rasa is imported when a report runs, not with the CLI
    from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

OUT_OF_SCOPE = "out_of_scope"
DEFAULT_SEED = 2026
DEFAULT_TEST_FRACTION = 0.2


@dataclass(frozen=True)
class Scored:
    """One test message with what it should be and what the model said."""

    text: str
    expected: str
    predicted: str
    confidence: float
    seconds: float
    prediction: Prediction  # the raw parse, for re-applying other fallback thresholds


@dataclass(frozen=True)
class SplitResult:
    evaluation: Evaluation
    train_seconds: float
    trained: bool
    scored: tuple[Scored, ...]
    model: Path | None = None  # the holdout model; None for cross-validation

    @property
    def latencies(self) -> tuple[float, ...]:
        return tuple(s.seconds for s in self.scored)


def score(scored: Sequence[Scored], labels: Sequence[str]) -> Evaluation:
    return evaluate([s.expected for s in scored], [s.predicted for s in scored],
                    texts=[s.text for s in scored], confidences=[s.confidence for s in scored],
                    labels=labels)


def load_training_data(data_dir: Path) -> TrainingData:
    """Every NLU example under ``data_dir`` (rules and stories files are skipped)."""
    import rasa.shared.data
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    files = sorted(rasa.shared.data.get_data_files([str(data_dir)], rasa.shared.data.is_nlu_file))
    return TrainingData().merge(*(load_data(f) for f in files))


def as_intent_label(prediction: Prediction, labels: Sequence[str]) -> str:
    """``nlu_fallback`` counts as out-of-scope when the data has that intent: both get the
    honest "I can't help with that" answer."""
    if prediction.intent == FALLBACK_INTENT and OUT_OF_SCOPE in labels:
        return OUT_OF_SCOPE
    return prediction.intent


def run_split(config: Path, train: TrainingData, test: TrainingData, *,
              label: str) -> SplitResult:
    """Train on ``train``, parse every ``test`` example and score the intents."""
    model = train_nlu_model(config, train.nlu_as_yaml(), label=label)
    examples = test.intent_examples
    predictions = parse_texts(model.path, [e.get("text") for e in examples])
    labels = sorted({e.get("intent") for e in [*examples, *train.intent_examples]})
    scored = tuple(
        Scored(p.text, e.get("intent"), as_intent_label(p, labels), p.confidence, p.seconds, p)
        for e, p in zip(examples, predictions)
    )
    return SplitResult(score(scored, labels), model.seconds, model.trained, scored, model.path)


def holdout(data_dir: Path, config: Path, *, seed: int = DEFAULT_SEED,
            test_fraction: float = DEFAULT_TEST_FRACTION) -> SplitResult:
    """One stratified split with a fixed seed: the same test set every run."""
    data = load_training_data(data_dir)
    train, test = data.train_test_split(train_frac=1 - test_fraction, random_seed=seed)
    return run_split(config, train, test, label=f"holdout{seed}")


def folds(data: TrainingData, n: int, seed: int) -> Iterator[tuple[TrainingData, ...]]:
    """Stratified folds with a fixed seed (Rasa's own helper shuffles unseeded)."""
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    examples = data.intent_examples
    intents = [e.get("intent") for e in examples]
    splitter = StratifiedKFold(n_splits=n, shuffle=True, random_state=seed)
    for train_index, test_index in splitter.split(examples, intents):
        yield tuple(
            TrainingData(training_examples=[examples[i] for i in index],
                         entity_synonyms=data.entity_synonyms,
                         regex_features=data.regex_features, lookup_tables=data.lookup_tables)
            for index in (train_index, test_index)
        )


def cross_validate(data_dir: Path, config: Path, *, n_folds: int = 3,
                   seed: int = DEFAULT_SEED) -> SplitResult:
    """Every example is tested once, by a model trained on the other folds."""
    data = load_training_data(data_dir)
    scored: list[Scored] = []
    seconds = 0.0
    for number, (train, test) in enumerate(folds(data, n_folds, seed), start=1):
        logger.info("cross-validation fold %d/%d", number, n_folds)
        result = run_split(config, train, test, label=f"cv{n_folds}-{number}")
        seconds += result.train_seconds
        scored.extend(result.scored)
    labels = sorted({s.expected for s in scored})
    return SplitResult(score(scored, labels), seconds, True, tuple(scored))


def write_nlu_report(root: Path, config: Path, out: Path, *, n_folds: int,
                     seed: int = DEFAULT_SEED,
                     test_fraction: float = DEFAULT_TEST_FRACTION) -> list[Path]:
    """The holdout report, and the cross-validation one unless ``n_folds`` is 0."""
    data_dir = root / "data"
    pages = []
    result = holdout(data_dir, config, seed=seed, test_fraction=test_fraction)
    pages.append(write_evaluation(
        out / "holdout", f"NLU holdout ({test_fraction:.0%} of examples, seed {seed})",
        result.evaluation, notes=_notes(result, config), meta=_meta(result, config, seed)))
    if n_folds:
        result = cross_validate(data_dir, config, n_folds=n_folds, seed=seed)
        pages.append(write_evaluation(
            out / "cross-validation", f"NLU {n_folds}-fold cross-validation", result.evaluation,
            notes=_notes(result, config), meta=_meta(result, config, seed)))
    _write_index(out, pages)
    return pages


def _notes(result: SplitResult, config: Path) -> list[str]:
    latencies = sorted(result.latencies)
    p50 = latencies[len(latencies) // 2] * 1000 if latencies else 0.0
    trained = f"{result.train_seconds:.0f}s" if result.trained else "reused a cached model"
    return [f"pipeline: {config.name}", f"test messages: {len(result.scored)}",
            f"training: {trained}", f"median parse time: {p50:.1f} ms",
            f"'{FALLBACK_INTENT}' predictions count as '{OUT_OF_SCOPE}' when that intent exists"]


def _meta(result: SplitResult, config: Path, seed: int) -> dict[str, Any]:
    return {"config": str(config), "seed": seed, "messages": len(result.scored),
            "train_seconds": round(result.train_seconds, 1)}


def _write_index(out: Path, pages: Sequence[Path]) -> None:
    links = "".join(f'<li><a href="{p.parent.name}/index.html">{p.parent.name}</a> '
                    f'(<a href="{p.parent.name}/report.md">markdown</a>)</li>' for p in pages)
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>NLU report</title></head>"
        f"<body><h1>NLU report</h1><ul>{links}</ul></body></html>\n", encoding="utf-8")
