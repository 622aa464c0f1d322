import json

from careline.designer.metrics import evaluate
from careline.designer.render import write_evaluation
from careline.designer.story_report import read_results, write_story_report

FAILED = """\
version: "3.1"
stories:
- story: greet then balance (tests/stories/test_general.yml)
  steps:
  - intent: greet
  - action: utter_greet
  - intent: ask_balance
  - action: utter_balance  # predicted: utter_greet
"""


def test_evaluation_files_a_designer_can_open(tmp_path):
    ev = evaluate(["bill", "greet"], ["greet", "greet"], texts=["my <bill>", "hi"],
                  confidences=[0.7, 0.9])
    page = write_evaluation(tmp_path, "NLU holdout", ev, notes=["pipeline: x"])
    html = page.read_text()
    assert "my &lt;bill&gt;" in html and "pipeline: x" in html
    assert (tmp_path / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    assert "| bill | greet | 0.70 | my <bill> |" in (tmp_path / "report.md").read_text()
    assert json.loads((tmp_path / "summary.json").read_text())["macro_f1"] == ev.macro_f1


def test_story_results_count_failures_and_show_the_wrong_step(make_project, tmp_path):
    root = make_project()
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "failed_test_stories.yml").write_text(FAILED)
    result = read_results(root, raw)
    assert (result.total, result.passed) == (1, 0)
    [story] = result.failed
    assert (story.name, story.file) == ("greet then balance", "tests/stories/test_general.yml")
    assert story.wrong_predictions == ("- action: utter_balance # predicted: utter_greet",)
    write_story_report(result, tmp_path / "out")
    assert "predicted: utter_greet" in (tmp_path / "out" / "index.html").read_text()
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["pass_rate"] == 0.0
