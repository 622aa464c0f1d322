from careline.handoff.policy import load_policy
from careline.handoff.priority import compute_priority
from careline.handoff.reasons import HandoffReason

WEIGHTS = load_policy().priority


def _score(segment, sentiment, reason, waiting=0.0):
    return compute_priority(weights=WEIGHTS, segment=segment, sentiment=sentiment,
                            reason=reason, waiting_seconds=waiting)


def test_vip_and_angry_customers_come_first():
    cases = {
        "angry vip cancelling": _score("vip", -0.9, HandoffReason.CANCELLATION_THREAT),
        "calm vip asking": _score("vip", 0.0, HandoffReason.REQUESTED),
        "angry prepaid": _score("prepaid", -0.9, HandoffReason.FRUSTRATION),
        "calm prepaid asking": _score("prepaid", 0.1, HandoffReason.REQUESTED),
        "unknown fallback": _score(None, 0.0, HandoffReason.FALLBACK),
    }
    order = sorted(cases, key=lambda name: -cases[name].score)
    assert order == ["angry vip cancelling", "angry prepaid", "calm vip asking",
                     "calm prepaid asking", "unknown fallback"]
    assert cases["angry vip cancelling"].level == "urgent"
    assert cases["unknown fallback"].level == "low"


def test_waiting_adds_points_up_to_a_cap():
    fresh = _score("prepaid", 0.0, HandoffReason.REQUESTED)
    ten_minutes = _score("prepaid", 0.0, HandoffReason.REQUESTED, waiting=600)
    a_day = _score("prepaid", 0.0, HandoffReason.REQUESTED, waiting=86_400)
    assert ten_minutes.score == fresh.score + 10 * WEIGHTS.points_per_waiting_minute
    assert a_day.score == fresh.score + WEIGHTS.max_waiting_points


def test_a_calm_customer_who_waited_long_overtakes_a_new_vip():
    waited = _score("prepaid", 0.0, HandoffReason.FRUSTRATION, waiting=1200)
    new_vip = _score("vip", 0.0, HandoffReason.REQUESTED)
    assert waited.score > new_vip.score


def test_factors_explain_the_score():
    priority = _score("vip", -0.5, HandoffReason.DISPUTE_OVER_THRESHOLD, waiting=120)
    assert sum(f.points for f in priority.factors) == priority.score
    assert [f.name for f in priority.factors] == ["segment", "sentiment", "reason", "waiting"]
