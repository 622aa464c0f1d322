"""``careline validate`` refuses training examples that are evaluation messages."""

from __future__ import annotations

from pathlib import Path

from careline.designer.checks import CheckOptions, check_not_evaluated
from careline.designer.heldout import HELDOUT_DIR, read_heldout
from careline.designer.project import load_project
from careline.designer.reviewed import evaluated_texts
from careline.settings import PROJECT_ROOT
from tests.careline.desk.review_rows import eval_text, project_copy


def _nlu(path: Path, intent: str, *texts: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"    - {t}\n" for t in texts)
    path.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{lines}')


def test_eval_and_held_out_messages_anywhere_in_data_are_errors(tmp_path, eval_set):
    root = project_copy(tmp_path)
    held_out = read_heldout(root / HELDOUT_DIR)[0].text
    shared = eval_text()
    _nlu(root / "data/nlu/reviewed/ask_balance.yml", "ask_balance", shared, "fine words")
    _nlu(root / "data/nlu/plans.yml", "ask_plan_usage", held_out.upper(), f"[{shared}](x)")
    findings = list(check_not_evaluated(load_project(root), CheckOptions()))
    assert {(f.severity, f.file, f.subject) for f in findings} == {
        ("error", "data/nlu/reviewed/ask_balance.yml", f"example '{shared}'"),
        ("error", "data/nlu/plans.yml", f"example '{held_out.upper()}'"),
        ("error", "data/nlu/plans.yml", f"example '{shared}'")}


def test_a_bare_greeting_of_the_eval_set_is_an_error_too(tmp_path, eval_set):
    root = project_copy(tmp_path)
    assert {"hi", "thanks"} <= evaluated_texts(root)
    _nlu(root / "data/nlu/general.yml", "greet", "Hi!", "hi from careline's own words")
    findings = list(check_not_evaluated(load_project(root), CheckOptions()))
    assert [(f.file, f.subject) for f in findings] == [("data/nlu/general.yml", "example 'Hi!'")]


def test_the_project_trains_on_no_evaluation_message():
    findings = check_not_evaluated(load_project(PROJECT_ROOT), CheckOptions())
    assert [f.render() for f in findings] == []
