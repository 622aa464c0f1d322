"""``careline eval-heldout``: our own held-out messages for the flows public data is thin on.

The shared eval set has 50 outage, 8 plan-change and 2 roaming messages, too few to judge those
flows. ``tests/nlu_heldout/*.yml`` holds messages the team wrote apart from ``data/nlu`` (never
merged into it), labelled with the shared set's coarse labels so both are scored the same way.
"""

from __future__ import annotations

from pathlib import Path

from careline.designer.metrics import Evaluation, evaluate
from careline.designer.project import load_examples
from careline.designer.shared_eval import EvalMessage, to_coarse
from careline.designer.similarity import normalise
from careline.designer.training import parse_texts

HELDOUT_DIR = Path("tests") / "nlu_heldout"


def read_heldout(directory: Path) -> list[EvalMessage]:
    """Every example under ``directory``; its intent name is the coarse label."""
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise FileNotFoundError(f"no held-out messages in {directory}")
    return [EvalMessage(e.text, e.intent, e.file)
            for path in files for e in load_examples(path, file=path.name)]


def leaked(messages: list[EvalMessage], training_texts: list[str]) -> list[str]:
    """Held-out texts that also appear in the training data: they measure nothing."""
    trained = {normalise(t) for t in training_texts}
    return [m.text for m in messages if normalise(m.text) in trained]


def score_heldout(model: Path, *, messages: list[EvalMessage],
                  mapping: dict[str, str]) -> Evaluation:
    """Parse every held-out message and score the coarse labels; misses are ours to read."""
    predictions = parse_texts(model, [m.text for m in messages])
    predicted = [to_coarse(p, mapping) for p in predictions]
    return evaluate([m.label for m in messages], predicted,
                    texts=[f"{m.text} [→ {p.top_intent}]" for m, p in zip(messages, predictions)],
                    confidences=[p.confidence for p in predictions])
