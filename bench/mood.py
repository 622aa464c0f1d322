"""How well the mood readers read customers: frustration (VADER plus repeat-contact
phrases) and vulnerability cues, on the labelled set in tests/careline/handoff/mood_set.yml.

Prints accuracy, and precision, recall and F1 per class, with every message read wrong, so a
change to careline.handoff.sentiment or .vulnerability shows what it costs.

    python -m bench mood
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from careline.designer.metrics import precision_recall_f1
from careline.handoff.sentiment import score_text
from careline.handoff.vulnerability import VulnerabilityKind, detect
from careline.settings import PROJECT_ROOT

MOOD_SET = PROJECT_ROOT / "tests" / "careline" / "handoff" / "mood_set.yml"
NONE = "none"


@dataclass(frozen=True)
class Reading:
    """One labelled message and what the readers made of it."""

    text: str
    frustrated: bool
    read_frustrated: bool
    vulnerable: str
    read_vulnerable: str


@dataclass(frozen=True)
class ClassFigures:
    name: str
    precision: float
    recall: float
    f1: float
    support: int


def read_set(path: Path = MOOD_SET) -> list[Reading]:
    messages = yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    readings = []
    for message in messages:
        cue = detect(message["text"])
        readings.append(Reading(
            text=message["text"], frustrated=bool(message["frustrated"]),
            read_frustrated=score_text(message["text"]).frustrated,
            vulnerable=str(message["vulnerable"]),
            read_vulnerable=cue.kind.value if cue else NONE))
    return readings


def figures(expected: list[str], predicted: list[str], name: str) -> ClassFigures:
    hits = sum(1 for e, p in zip(expected, predicted) if e == p == name)
    precision, recall, f1 = precision_recall_f1(hits, predicted.count(name),
                                                expected.count(name))
    return ClassFigures(name, precision, recall, f1, expected.count(name))


def frustration_figures(readings: list[Reading]) -> tuple[float, ClassFigures]:
    expected = ["frustrated" if r.frustrated else "calm" for r in readings]
    predicted = ["frustrated" if r.read_frustrated else "calm" for r in readings]
    accuracy = sum(e == p for e, p in zip(expected, predicted)) / len(readings)
    return accuracy, figures(expected, predicted, "frustrated")


def vulnerability_figures(readings: list[Reading]) -> tuple[float, list[ClassFigures]]:
    expected = [r.vulnerable for r in readings]
    predicted = [r.read_vulnerable for r in readings]
    accuracy = sum(e == p for e, p in zip(expected, predicted)) / len(readings)
    return accuracy, [figures(expected, predicted, kind.value) for kind in VulnerabilityKind]


def main() -> None:
    readings = read_set()
    print(f"{len(readings)} labelled messages ({MOOD_SET.relative_to(PROJECT_ROOT)})")
    accuracy, frustrated = frustration_figures(readings)
    print(f"frustration: accuracy {accuracy:.1%}; frustrated precision "
          f"{frustrated.precision:.2f} recall {frustrated.recall:.2f} F1 {frustrated.f1:.2f} "
          f"(n={frustrated.support})")
    accuracy, kinds = vulnerability_figures(readings)
    print(f"vulnerability: accuracy {accuracy:.1%}")
    for kind in kinds:
        print(f"  {kind.name:12} precision {kind.precision:.2f} recall {kind.recall:.2f} "
              f"F1 {kind.f1:.2f} (n={kind.support})")
    for r in readings:
        if r.frustrated != r.read_frustrated or r.vulnerable != r.read_vulnerable:
            print(f"  misread: {r.text!r}: frustrated {r.read_frustrated} "
                  f"(labelled {r.frustrated}), vulnerable {r.read_vulnerable} "
                  f"(labelled {r.vulnerable})")


if __name__ == "__main__":
    main()
