import pytest

from careline.designer.metrics import evaluate
from careline.designer.quality import judge_nlu, judge_stories, load_floor
from careline.settings import PROJECT_ROOT

FLOOR = """\
nlu_holdout: {macro_f1: 0.8, seed: 7, test_fraction: 0.25}
stories: {pass_rate: 0.9}
validate: {min_examples_per_intent: 10, max_near_duplicate_share: 0.3}
"""


def test_the_committed_floor_loads():
    floor = load_floor(PROJECT_ROOT)
    assert 0 < floor.holdout_macro_f1 <= 1 and floor.checks.min_examples_per_intent >= 25


def test_a_missing_key_is_an_error(tmp_path):
    (tmp_path / "quality_floor.yml").write_text("nlu_holdout: {macro_f1: 0.8}\n")
    with pytest.raises(ValueError, match="quality_floor.yml"):
        load_floor(tmp_path)


def test_below_the_floor_fails_and_names_the_weak_intents(tmp_path):
    (tmp_path / "quality_floor.yml").write_text(FLOOR)
    floor = load_floor(tmp_path)
    ev = evaluate(["bill", "bill", "greet"], ["greet", "bill", "greet"], texts=list("abc"),
                  confidences=[1, 1, 1])
    ok, lines = judge_nlu(ev, floor)
    assert not ok
    assert lines[0].startswith("FAIL: NLU holdout macro-F1 0.667")
    assert "bill F1 0.67" in lines[1] and "'bill' read as 'greet' 1×" in lines[2]
    assert judge_nlu(evaluate(["a"], ["a"], texts=["x"], confidences=[1]), floor)[0]


def test_story_pass_rate(tmp_path):
    (tmp_path / "quality_floor.yml").write_text(FLOOR)
    floor = load_floor(tmp_path)
    assert judge_stories(0.95, 19, 20, floor)[0]
    ok, lines = judge_stories(0.85, 17, 20, floor)
    assert not ok and "17/20" in lines[0] and "reports/stories" in lines[1]
    assert not judge_stories(0.0, 0, 0, floor)[0]
