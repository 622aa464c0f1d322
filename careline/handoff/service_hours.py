"""Are agents on shift, when do they come back, and how long will the customer wait?

The bot must tell the customer the truth about what happens next, so the
expected wait comes from the real queue (customers ahead of this one and the
agents signed in), and outside opening hours it names the next opening.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from careline.handoff.policy import ServiceHours


@dataclass(frozen=True)
class ServiceWindow:
    open_now: bool
    next_opening: Optional[datetime]  # local time of the next opening when closed


def window_at(hours: ServiceHours, now: datetime) -> ServiceWindow:
    """Whether ``now`` (aware) falls inside opening hours, else when they next start."""
    local = now.astimezone(ZoneInfo(hours.timezone))
    span = hours.days.get(local.isoweekday())
    if span and span.opens <= local.time() <= span.closes:
        return ServiceWindow(open_now=True, next_opening=None)
    for offset in range(0, 8):
        day = (local + timedelta(days=offset)).date()
        span = hours.days.get(day.isoweekday())
        if span is None:
            continue
        opening = datetime.combine(day, span.opens, tzinfo=local.tzinfo)
        if opening > local:
            return ServiceWindow(open_now=False, next_opening=opening)
    return ServiceWindow(open_now=False, next_opening=None)


def expected_wait_minutes(hours: ServiceHours, *, customers_ahead: int, agents: int) -> int:
    """Minutes until an agent is likely free: the queue ahead shared between agents."""
    per_agent = math.ceil((customers_ahead + 1) / max(1, agents))
    return max(hours.minimum_wait_minutes, per_agent * hours.minutes_per_customer_ahead)

