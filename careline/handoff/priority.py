"""Priority: who an agent should pick up next.

Points from the customer's segment, how negative they are, why they were
handed over and how long they have waited, so a calm VIP does not starve an
angry prepaid customer forever: waiting time keeps adding points until a cap.
"""

from __future__ import annotations

from typing import Optional

from careline.handoff.policy import PriorityWeights
from careline.handoff.reasons import HandoffReason
from careline.handoff.schemas import Priority, PriorityFactor


def compute_priority(
    *,
    weights: PriorityWeights,
    segment: Optional[str],
    sentiment: float,
    reason: HandoffReason,
    waiting_seconds: float = 0.0,
) -> Priority:
    """Score a handoff; the higher the score, the sooner an agent should take it."""
    if segment is None:
        segment_points = weights.unknown_customer_points
    else:
        segment_points = weights.segment_points.get(segment, weights.unknown_customer_points)
    mood_points = round(weights.negative_sentiment_points * max(0.0, -sentiment))
    reason_points = weights.reason_points.get(reason, 0)
    waited_minutes = max(0.0, waiting_seconds) / 60
    waiting_points = min(weights.max_waiting_points,
                         int(waited_minutes * weights.points_per_waiting_minute))
    factors = (
        PriorityFactor(name="segment", detail=segment or "unknown customer",
                       points=segment_points),
        PriorityFactor(name="sentiment", detail=f"{sentiment:+.2f}", points=mood_points),
        PriorityFactor(name="reason", detail=reason.value, points=reason_points),
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
