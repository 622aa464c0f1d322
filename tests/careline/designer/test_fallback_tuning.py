from careline.designer.fallback_tuning import tune_threshold, with_fallback
from careline.designer.training import Prediction


def parse(top: str, confidence: float, second: float = 0.0) -> Prediction:
    return Prediction(text="t", intent=top, confidence=confidence, top_intent=top, seconds=0.0,
                      top_confidence=confidence, second_confidence=second)


def test_low_or_ambiguous_confidence_falls_back():
    assert with_fallback(parse("bill", 0.4), 0.5, 0.1) == "nlu_fallback"
    assert with_fallback(parse("bill", 0.55, 0.5), 0.5, 0.1) == "nlu_fallback"
    assert with_fallback(parse("bill", 0.9, 0.05), 0.5, 0.1) == "bill"


def test_threshold_that_sends_unsure_off_topic_messages_to_out_of_scope():
    predictions = [parse("bill", 0.95), parse("bill", 0.9), parse("bill", 0.62),
                   parse("bill", 0.58), parse("out_of_scope", 0.9)]
    expected = ["bill", "bill", "out_of_scope", "out_of_scope", "out_of_scope"]
    tuned = tune_threshold(predictions, expected, fallback_label="out_of_scope",
                           candidates=(0.3, 0.5, 0.65, 0.95))
    assert tuned.threshold == 0.65 and tuned.macro_f1 == 1.0


def test_ambiguity_gap_is_tuned_too():
    # Two close intents that are both right most of the time: a gap of 0.1 would send the
    # correct answers to out-of-scope, so no gap scores best.
    predictions = [parse("bill", 0.5, 0.45), parse("pay", 0.5, 0.42), parse("out_of_scope", 0.9)]
    expected = ["bill", "pay", "out_of_scope"]
    tuned = tune_threshold(predictions, expected, fallback_label="out_of_scope",
                           candidates=(0.3,), ambiguities=(0.1, 0.0))
    assert tuned.ambiguity == 0.0 and tuned.macro_f1 == 1.0
