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
    assert [f.name for f in priority.factors] == ["segment", "sentiment", "reason", "history",
                                                 "waiting"]


def _olivia(history, sentiment=-0.9, segment="postpaid"):
    return compute_priority(weights=WEIGHTS, segment=segment, sentiment=sentiment,
                            reason=HandoffReason.FRUSTRATION, history=history)


def test_a_frustrated_repeat_contact_with_an_open_case_is_high_priority():
    from careline.handoff.priority import ContactLoad

    first_time = _olivia(ContactLoad())
    fourth_time = _olivia(ContactLoad(recent_contacts=3, open_cases=1))
    assert fourth_time.score > first_time.score
    assert fourth_time.level == "high"
    assert _olivia(ContactLoad(recent_contacts=3, open_cases=1), segment="vip").level == "urgent"
    factors = {f.name: f for f in fourth_time.factors}
    assert factors["history"].points == min(WEIGHTS.max_repeat_contact_points,
                                            3 * WEIGHTS.repeat_contact_points) \
        + WEIGHTS.open_case_points
    assert factors["history"].detail == "3 recent contact(s), 1 open case(s)"


def test_contacts_older_than_the_window_do_not_count():
    from datetime import datetime, timedelta, timezone

    from careline.handoff.priority import ContactLoad
    from careline.handoff.schemas import CaseSnapshot, CustomerSnapshot, InteractionSnapshot

    now = datetime(2026, 11, 18, 10, 30, tzinfo=timezone.utc)
    contacts = tuple(InteractionSnapshot(occurred_at=now - timedelta(days=days), channel="sms",
                                         summary="no signal", outcome="resolved")
                     for days in (1, 3, 5, 30))
    customer = CustomerSnapshot(
        customer_id=1, account_number="CL1", full_name="A B", segment="postpaid",
        recent_interactions=contacts,
        open_cases=(CaseSnapshot(reference="FLT-1", kind="fault", status="open",
                                 summary="no signal"),))
    load = ContactLoad.of(customer, now=now, days=7)
    assert load == ContactLoad(recent_contacts=3, open_cases=1)
    assert ContactLoad.of(None, now=now, days=7) == ContactLoad()


def test_the_desk_rescores_a_stored_package_with_the_same_history():
    from careline.handoff.priority import ContactLoad
    from tests.careline.handoff.builders import package

    built = package(reason=HandoffReason.FRUSTRATION)
    stored = ContactLoad.of_stored_package(built.json(), days=WEIGHTS.recent_contact_days)
    assert stored == ContactLoad.of(built.customer, now=built.created_at,
                                    days=WEIGHTS.recent_contact_days)
