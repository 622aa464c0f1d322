"""``careline validate`` refuses training examples that are evaluation messages."""

from __future__ import annotations

from pathlib import Path

from careline.designer.checks import CheckOptions, check_not_evaluated
from careline.designer.heldout import HELDOUT_DIR, read_heldout
from careline.designer.project import load_project
from careline.settings import PROJECT_ROOT
from tests.careline.desk.review_rows import eval_text, project_copy


def _nlu(path: Path, intent: str, *texts: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"    - {t}\n" for t in texts)
    path.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{lines}')


def test_reviewed_eval_messages_and_held_out_messages_anywhere_are_errors(tmp_path):
    root = project_copy(tmp_path)
    held_out = read_heldout(root / HELDOUT_DIR)[0].text
    shared = eval_text()
    _nlu(root / "data/nlu/reviewed/ask_balance.yml", "ask_balance", shared, "fine words")
    _nlu(root / "data/nlu/plans.yml", "ask_plan_usage", held_out.upper(), shared)
    findings = list(check_not_evaluated(load_project(root), CheckOptions()))
    assert {(f.severity, f.file, f.subject) for f in findings} == {
        ("error", "data/nlu/reviewed/ask_balance.yml", f"example '{shared}'"),
        ("error", "data/nlu/plans.yml", f"example '{held_out.upper()}'")}


def test_the_project_trains_on_no_held_out_or_reviewed_evaluation_message():
    findings = check_not_evaluated(load_project(PROJECT_ROOT), CheckOptions())
    assert [f.render() for f in findings] == []
