"""Should this conversation go to a person, and why?

Actions of other features decide some reasons themselves (a disputed charge,
failed verification) and set the ``handoff_reason`` slot; the thresholds they
compare against live in the policy and are exposed here, so changing the
policy changes every feature at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from careline.handoff.policy import HandoffPolicy
from careline.handoff.reasons import INTENT_REASONS, REASON_LABELS, HandoffReason


@dataclass(frozen=True)
class TriggerDecision:
    reason: HandoffReason
    detail: str


def dispute_needs_agent(policy: HandoffPolicy, *, amount: Decimal,
                        segment: Optional[str] = None) -> Optional[HandoffReason]:
    """The reason a disputed ``amount`` must go to a person, or ``None`` if the bot may handle it."""
    if policy.is_vip(segment) and amount > policy.triggers.vip_policy.dispute_amount_above:
        return HandoffReason.VIP_POLICY
    trigger = policy.triggers.dispute_over_threshold
    if trigger.enabled and amount > trigger.amount_above:
        return HandoffReason.DISPUTE_OVER_THRESHOLD
    return None


def verification_exhausted(policy: HandoffPolicy, *, failed_attempts: int) -> bool:
    trigger = policy.triggers.failed_verification
    return trigger.enabled and failed_attempts >= trigger.attempts


def fallback_limit(policy: HandoffPolicy, *, segment: Optional[str]) -> int:
    """Misunderstood messages in a row before a person takes over (sooner for VIPs)."""
    normal = policy.triggers.fallback.consecutive_fallbacks
    if policy.is_vip(segment):
        return min(normal, policy.triggers.vip_policy.consecutive_fallbacks)
    return normal


def decide(
    policy: HandoffPolicy,
    *,
    slot_reason: Optional[str],
    latest_intent: Optional[str],
    consecutive_fallbacks: int,
    sentiment: float,
    segment: Optional[str],
) -> Optional[TriggerDecision]:
    """The trigger that applies, first match wins; ``None`` when no enabled trigger does.

    Order: a reason another action already chose, the intent of the latest
    message, repeated misunderstanding, then mood; the VIP policy lowers the
    bars for misunderstanding and mood.
    """
    vip = policy.is_vip(segment)
    candidates: list[TriggerDecision] = []
    chosen = HandoffReason.parse(slot_reason)
    if chosen is not None:
        candidates.append(TriggerDecision(chosen, REASON_LABELS[chosen]))
    intent_reason = INTENT_REASONS.get(latest_intent or "")
    if intent_reason is not None and intent_reason is not HandoffReason.FALLBACK:
        candidates.append(TriggerDecision(intent_reason, "in their latest message"))
    if consecutive_fallbacks >= policy.triggers.fallback.consecutive_fallbacks:
        candidates.append(TriggerDecision(
            HandoffReason.FALLBACK, f"{consecutive_fallbacks} messages in a row not understood"))
    elif vip and consecutive_fallbacks >= fallback_limit(policy, segment=segment):
        candidates.append(TriggerDecision(
            HandoffReason.VIP_POLICY,
            f"VIP customer, {consecutive_fallbacks} message(s) not understood"))
    if sentiment <= policy.triggers.frustration.sentiment_at_or_below:
        candidates.append(TriggerDecision(HandoffReason.FRUSTRATION,
                                          f"sentiment {sentiment:+.2f}"))
    elif vip and sentiment <= policy.triggers.vip_policy.sentiment_at_or_below:
        candidates.append(TriggerDecision(HandoffReason.VIP_POLICY,
                                          f"VIP customer, sentiment {sentiment:+.2f}"))
    for candidate in candidates:
        if policy.triggers.is_enabled(candidate.reason):
            return candidate
    return None
