"""Priority: who an agent should pick up next.

Points from the customer's segment, how negative they are, why they were
handed over, their recent history (a fourth contact in five days about a fault
still open should not queue behind a first question) and how long they have
waited, so a calm VIP does not starve an angry prepaid customer forever: waiting
time keeps adding points until a cap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from careline.handoff.policy import PriorityWeights
from careline.handoff.reasons import HandoffReason
from careline.handoff.schemas import CustomerSnapshot, Priority, PriorityFactor


@dataclass(frozen=True)
class ContactLoad:
    """How much the customer has had to chase us lately."""

    recent_contacts: int = 0
    open_cases: int = 0

    @classmethod
    def of(cls, customer: Optional[CustomerSnapshot], *, now: datetime,
           days: int) -> ContactLoad:
        """From the profile snapshot (its latest interactions and open cases)."""
        if customer is None:
            return cls()
        since = now - timedelta(days=days)
        return cls(recent_contacts=sum(1 for i in customer.recent_interactions
                                       if i.occurred_at >= since),
                   open_cases=len(customer.open_cases))

    @classmethod
    def of_stored_package(cls, context_json: str, *, days: int) -> ContactLoad:
        """From a stored context package, as the desk re-scores its queue: plain JSON, since
        a full parse of every waiting ticket's package on each queue refresh costs more."""
        document = json.loads(context_json)
        customer = document.get("customer") or {}
        since = datetime.fromisoformat(document["created_at"]) - timedelta(days=days)
        return cls(recent_contacts=sum(
            1 for i in customer.get("recent_interactions") or ()
            if datetime.fromisoformat(i["occurred_at"]) >= since),
            open_cases=len(customer.get("open_cases") or ()))


def compute_priority(
    *,
    weights: PriorityWeights,
    segment: Optional[str],
    sentiment: float,
    reason: HandoffReason,
    waiting_seconds: float = 0.0,
    history: ContactLoad = ContactLoad(),
) -> Priority:
    """Score a handoff; the higher the score, the sooner an agent should take it."""
    if segment is None:
        segment_points = weights.unknown_customer_points
    else:
        segment_points = weights.segment_points.get(segment, weights.unknown_customer_points)
    mood_points = round(weights.negative_sentiment_points * max(0.0, -sentiment))
    reason_points = weights.reason_points.get(reason, 0)
    history_points = min(weights.max_repeat_contact_points,
                         history.recent_contacts * weights.repeat_contact_points) \
        + history.open_cases * weights.open_case_points
    waited_minutes = max(0.0, waiting_seconds) / 60
    waiting_points = min(weights.max_waiting_points,
                         int(waited_minutes * weights.points_per_waiting_minute))
    factors = (
        PriorityFactor(name="segment", detail=segment or "unknown customer",
                       points=segment_points),
        PriorityFactor(name="sentiment", detail=f"{sentiment:+.2f}", points=mood_points),
        PriorityFactor(name="reason", detail=reason.value, points=reason_points),
        PriorityFactor(name="history", detail=f"{history.recent_contacts} recent contact(s), "
                       f"{history.open_cases} open case(s)", points=history_points),
        PriorityFactor(name="waiting", detail=f"{int(waited_minutes)} min",
                       points=waiting_points),
    )
    score = sum(f.points for f in factors)
    return Priority(score=score, level=_level(score, weights.levels), factors=factors)


def _level(score: int, levels: dict[str, int]) -> str:
    for name, floor in sorted(levels.items(), key=lambda item: -item[1]):
        if score >= floor:
            return name
    return "low"
