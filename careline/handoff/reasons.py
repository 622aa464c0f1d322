"""Why a conversation goes to a person: the reasons every feature agrees on."""

from __future__ import annotations

from enum import Enum
from typing import Optional


class HandoffReason(str, Enum):
    """Values of the ``handoff_reason`` slot (TEAM contract) and of the context package."""

    REQUESTED = "requested"
    FALLBACK = "fallback"
    FRUSTRATION = "frustration"
    DISPUTE_OVER_THRESHOLD = "dispute_over_threshold"
    CANCELLATION_THREAT = "cancellation_threat"
    FAILED_VERIFICATION = "failed_verification"
    VIP_POLICY = "vip_policy"
    VULNERABILITY = "vulnerability"

    @classmethod
    def parse(cls, value: Optional[str]) -> Optional[HandoffReason]:
        """The reason named by a slot value, or ``None`` for empty or unknown values."""
        try:
            return cls(value) if value else None
        except ValueError:
            return None


#: What an agent reads in the queue for each reason.
REASON_LABELS: dict[HandoffReason, str] = {
    HandoffReason.REQUESTED: "asked for a person",
    HandoffReason.FALLBACK: "the bot did not understand repeatedly",
    HandoffReason.FRUSTRATION: "customer is frustrated",
    HandoffReason.DISPUTE_OVER_THRESHOLD: "disputed charge above the limit",
    HandoffReason.CANCELLATION_THREAT: "customer wants to cancel",
    HandoffReason.FAILED_VERIFICATION: "identity verification failed",
    HandoffReason.VIP_POLICY: "VIP customer, handed over early",
    HandoffReason.VULNERABILITY: "customer may be vulnerable: offer support",
}

#: Intents whose rule leads straight to the handoff action, and the reason each means.
INTENT_REASONS: dict[str, HandoffReason] = {
    "request_human": HandoffReason.REQUESTED,
    "frustration": HandoffReason.FRUSTRATION,
    "cancel_service": HandoffReason.CANCELLATION_THREAT,
    "nlu_fallback": HandoffReason.FALLBACK,
}
