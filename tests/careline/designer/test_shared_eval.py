import pytest

from careline.designer.shared_eval import (EvalMessage, confusion_lines, eval_dir,
                                           read_coarse_labels, read_messages, to_coarse)
from careline.designer.training import Prediction


def prediction(intent: str) -> Prediction:
    return Prediction(text="t", intent=intent, confidence=0.4, top_intent="ask_balance",
                      seconds=0.01)


def test_reads_the_tsv_without_quoting(tmp_path):
    path = tmp_path / "m.tsv"
    path.write_text('text\tlabel\tsource\n"quoted" bill?\tbilling_payment\tx:y\n')
    [message] = read_messages(path)
    assert message.text == '"quoted" bill?' and message.label == "billing_payment"


def test_missing_eval_set_says_how_to_point_at_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="CARELINE_EVAL_DIR"):
        read_messages(tmp_path / "nope.tsv")


def test_eval_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CARELINE_EVAL_DIR", str(tmp_path))
    assert eval_dir() == tmp_path
    monkeypatch.delenv("CARELINE_EVAL_DIR")
    assert eval_dir().parts[-2:] == ("shared", "eval")


def test_fallback_is_out_of_scope_and_unknown_intents_stay_visible(tmp_path):
    labels = tmp_path / "coarse_labels.yml"
    labels.write_text("ask_balance: billing_balance_or_due\n")
    mapping = read_coarse_labels(labels)
    assert to_coarse(prediction("ask_balance"), mapping) == "billing_balance_or_due"
    assert to_coarse(prediction("nlu_fallback"), mapping) == "out_of_scope"
    assert to_coarse(prediction("ask_roaming"), mapping) == "unmapped:ask_roaming"


def test_confusion_lines_count_misses_by_label_and_intent_without_texts():
    mapping = {"ask_plan_usage": "plan_info_or_usage", "compare_plans": "plan_change_or_upgrade"}
    said = [("what's my plan", "plan_info_or_usage", "ask_plan_usage"),
            ("plans on offer", "plan_info_or_usage", "compare_plans"),
            ("list the deals", "plan_info_or_usage", "compare_plans"),
            ("weather today", "plan_info_or_usage", "nlu_fallback")]
    messages = [EvalMessage(text, label, "") for text, label, _ in said]
    predictions = [prediction(intent) for _, _, intent in said]
    header, *rows = confusion_lines(messages, predictions, mapping)
    assert [row.split() for row in rows] == [
        ["plan_info_or_usage", "plan_change_or_upgrade", "compare_plans", "2"],
        ["plan_info_or_usage", "out_of_scope", "nlu_fallback", "1"]]
    assert "our intent" in header
    assert not any(text in "\n".join(rows) for text, _, _ in said)
