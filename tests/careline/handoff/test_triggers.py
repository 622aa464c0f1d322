"""Every trigger, its threshold from the policy, and the VIP policy's lower bars."""

from decimal import Decimal

import pytest

from careline.handoff.policy import HandoffPolicy, load_policy
from careline.handoff.reasons import HandoffReason
from careline.handoff.triggers import (
    decide, dispute_needs_agent, fallback_limit, verification_exhausted,
)

POLICY = load_policy()


def _decide(policy: HandoffPolicy = POLICY, *, slot_reason=None, intent="inform",
            fallbacks=0, sentiment=0.0, segment="postpaid"):
    return decide(policy, slot_reason=slot_reason, latest_intent=intent,
                  consecutive_fallbacks=fallbacks, sentiment=sentiment, segment=segment)


@pytest.mark.parametrize("intent, reason", [
    ("request_human", HandoffReason.REQUESTED),
    ("frustration", HandoffReason.FRUSTRATION),
    ("cancel_service", HandoffReason.CANCELLATION_THREAT),
])
def test_intents_that_hand_off(intent, reason):
    assert _decide(intent=intent).reason is reason


def test_fallback_twice_hands_off_but_once_does_not():
    assert _decide(intent="nlu_fallback", fallbacks=1) is None
    decision = _decide(intent="nlu_fallback", fallbacks=2)
    assert decision.reason is HandoffReason.FALLBACK
    assert "2 messages" in decision.detail


def test_very_negative_mood_is_frustration_even_without_the_intent():
    assert _decide(sentiment=-0.5) is None
    assert _decide(sentiment=-0.7).reason is HandoffReason.FRUSTRATION


@pytest.mark.parametrize("reason", [HandoffReason.DISPUTE_OVER_THRESHOLD,
                                    HandoffReason.FAILED_VERIFICATION, HandoffReason.FALLBACK])
def test_a_reason_chosen_by_another_action_wins(reason):
    assert _decide(slot_reason=reason.value, intent="request_human").reason is reason


def test_an_unknown_slot_value_is_ignored():
    assert _decide(slot_reason="because", intent="request_human").reason is \
        HandoffReason.REQUESTED


def test_dispute_threshold_comes_from_the_policy():
    limit = POLICY.triggers.dispute_over_threshold.amount_above
    assert dispute_needs_agent(POLICY, amount=limit) is None
    assert dispute_needs_agent(POLICY, amount=limit + Decimal("0.01")) is \
        HandoffReason.DISPUTE_OVER_THRESHOLD


def test_failed_verification_after_the_configured_attempts():
    attempts = POLICY.triggers.failed_verification.attempts
    assert not verification_exhausted(POLICY, failed_attempts=attempts - 1)
    assert verification_exhausted(POLICY, failed_attempts=attempts)


def test_vip_reaches_a_person_sooner():
    assert fallback_limit(POLICY, segment="vip") < fallback_limit(POLICY, segment="postpaid")
    vip_fallback = _decide(intent="nlu_fallback", fallbacks=1, segment="vip")
    assert vip_fallback.reason is HandoffReason.VIP_POLICY
    assert _decide(sentiment=-0.4, segment="vip").reason is HandoffReason.VIP_POLICY
    assert _decide(sentiment=-0.4, segment="postpaid") is None
    assert dispute_needs_agent(POLICY, amount=Decimal("5.00"), segment="vip") is \
        HandoffReason.VIP_POLICY
    assert dispute_needs_agent(POLICY, amount=Decimal("5.00"), segment="prepaid") is None


def test_a_disabled_trigger_does_not_hand_off():
    policy = HandoffPolicy.parse_obj({"triggers": {"cancellation_threat": {"enabled": False},
                                                   "vip_policy": {"enabled": False}}})
    assert _decide(policy, intent="cancel_service") is None
    assert _decide(policy, intent="nlu_fallback", fallbacks=1, segment="vip") is None
    assert _decide(policy, intent="request_human").reason is HandoffReason.REQUESTED
