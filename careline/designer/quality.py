"""The committed quality floor (``quality_floor.yml``) and the check ``make test`` runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from careline.designer.checks import CheckOptions
from careline.designer.metrics import Evaluation

FLOOR_FILE = "quality_floor.yml"


@dataclass(frozen=True)
class QualityFloor:
    holdout_macro_f1: float
    holdout_seed: int
    holdout_test_fraction: float
    story_pass_rate: float
    checks: CheckOptions


def load_floor(root: Path) -> QualityFloor:
    """Read ``quality_floor.yml``; a missing key is an error, not a silent default."""
    path = root / FLOOR_FILE
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        nlu, stories, validate = content["nlu_holdout"], content["stories"], content["validate"]
        return QualityFloor(
            holdout_macro_f1=float(nlu["macro_f1"]), holdout_seed=int(nlu["seed"]),
            holdout_test_fraction=float(nlu["test_fraction"]),
            story_pass_rate=float(stories["pass_rate"]),
            checks=CheckOptions(
                min_examples_per_intent=int(validate["min_examples_per_intent"]),
                max_near_duplicate_share=float(validate["max_near_duplicate_share"])),
        )
    except (KeyError, TypeError) as missing:
        raise ValueError(f"{path}: missing or malformed key {missing}") from None


def judge_nlu(evaluation: Evaluation, floor: QualityFloor) -> tuple[bool, list[str]]:
    """Whether the holdout macro-F1 meets the floor, and lines that explain it."""
    ok = evaluation.macro_f1 >= floor.holdout_macro_f1
    mark = "ok" if ok else "FAIL"
    lines = [f"{mark}: NLU holdout macro-F1 {evaluation.macro_f1:.3f} "
             f"(floor {floor.holdout_macro_f1:.2f})"]
    if not ok:
        worst = sorted((s for s in evaluation.scores if s.support), key=lambda s: s.f1)[:5]
        lines.append("    weakest intents: " + ", ".join(f"{s.label} F1 {s.f1:.2f}" for s in worst))
        lines += [f"    '{e}' read as '{p}' {n}×" for e, p, n in evaluation.confusions[:5]]
        lines.append("    → open reports/nlu/holdout/index.html; add varied examples to the weak "
                     "intents or make the confused pairs' examples more distinct")
    return ok, lines


def judge_stories(pass_rate: float, passed: int, total: int,
                  floor: QualityFloor) -> tuple[bool, list[str]]:
    """Whether enough test stories pass."""
    ok = total > 0 and pass_rate >= floor.story_pass_rate
    mark = "ok" if ok else "FAIL"
    lines = [f"{mark}: test stories {passed}/{total} pass ({pass_rate:.1%}; "
             f"floor {floor.story_pass_rate:.0%})"]
    if not ok:
        lines.append("    → open reports/stories/index.html: each failed story shows the step "
                     "where the bot would act differently")
    return ok, lines
