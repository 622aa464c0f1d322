"""``careline eval-nlu``: score a model on real customers' messages we never train on.

The messages live outside the repository (``../shared/eval`` by default,
``CARELINE_EVAL_DIR`` to move it) and carry 12 coarse labels; the tracked
``coarse_labels.yml`` maps each of our intents to one of them. Nothing here
writes the messages anywhere but the git-ignored ``reports/`` directory.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from careline.designer.metrics import Evaluation, evaluate
from careline.designer.training import FALLBACK_INTENT, Prediction, parse_texts
from careline.settings import PROJECT_ROOT

EVAL_FILE = "customer-messages.tsv"
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class EvalMessage:
    text: str
    label: str
    source: str


@dataclass(frozen=True)
class EvalResult:
    evaluation: Evaluation
    predictions: tuple[Prediction, ...]
    unmapped_intents: tuple[str, ...]


def eval_dir() -> Path:
    """Where the shared evaluation set lives: ``$CARELINE_EVAL_DIR`` or ``../shared/eval``."""
    configured = os.environ.get("CARELINE_EVAL_DIR")
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "eval"


def read_messages(path: Path) -> list[EvalMessage]:
    """The TSV's rows: a header, then text, label, source; nothing quoted."""
    if not path.exists():
        raise FileNotFoundError(
            f"no evaluation set at {path}: set CARELINE_EVAL_DIR to the directory holding "
            f"{EVAL_FILE}")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    header, body = rows[0], rows[1:]
    if header[:2] != ["text", "label"]:
        raise ValueError(f"{path}: expected a 'text<TAB>label<TAB>source' header, got {header}")
    return [EvalMessage(row[0], row[1], row[2] if len(row) > 2 else "") for row in body if row]


def read_coarse_labels(path: Path) -> dict[str, str]:
    """``intent: coarse_label`` pairs from the tracked mapping file."""
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: it maps every intent to a coarse label")
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(content, dict):
        raise ValueError(f"{path}: expected 'intent: coarse_label' lines")
    return {str(intent): str(label) for intent, label in content.items()}


def to_coarse(prediction: Prediction, mapping: dict[str, str]) -> str:
    """The coarse label of a prediction; a fallback is an honest "out of scope"."""
    if prediction.intent == FALLBACK_INTENT:
        return OUT_OF_SCOPE
    return mapping.get(prediction.intent, f"unmapped:{prediction.intent}")


def score_model(model: Path, *, messages: list[EvalMessage], mapping: dict[str, str]) -> EvalResult:
    """Parse every message with ``model`` and score its coarse labels."""
    predictions = tuple(parse_texts(model, [m.text for m in messages]))
    predicted = [to_coarse(p, mapping) for p in predictions]
    labels = sorted({m.label for m in messages})
    # A miss shows which of our intents took the message: "… [→ inform]".
    shown = [f"{m.text} [→ {p.top_intent}]" for m, p in zip(messages, predictions)]
    evaluation = evaluate([m.label for m in messages], predicted, texts=shown,
                          confidences=[p.confidence for p in predictions], labels=labels)
    unmapped = tuple(sorted({p.intent for p in predictions
                             if p.intent != FALLBACK_INTENT and p.intent not in mapping}))
    return EvalResult(evaluation, predictions, unmapped)


def out_of_scope_line(evaluation: Evaluation) -> str:
    oos = evaluation.score(OUT_OF_SCOPE)
    if oos is None:
        return "out-of-scope: no such label"
    return f"out-of-scope precision {oos.precision:.3f}, recall {oos.recall:.3f}"


def confusion_lines(messages: Sequence[EvalMessage], predictions: Sequence[Prediction],
                    mapping: dict[str, str]) -> list[str]:
    """Each expected label's misses counted by the label and the intent that took them, most
    first: enough to steer the training data by numbers, never showing a message's text."""
    counts = Counter((m.label, to_coarse(p, mapping), p.intent)
                     for m, p in zip(messages, predictions) if m.label != to_coarse(p, mapping))
    ordered = sorted(counts.items(), key=lambda item: (item[0][0], -item[1], item[0][1:]))
    return ([f"{'expected':28} {'predicted':28} {'our intent':28} {'n':>5}"]
            + [f"{expected:28} {label:28} {intent:28} {n:5d}"
               for (expected, label, intent), n in ordered])
