"""The contact policy for proactive notices: quiet hours, rate limit, who may be told what.

Written down in docs/insight.md; in short:

- Only customers who opted in to outage updates hear anything, never on a
  channel they opted out of (STOP). Notices are service messages only.
- Quiet hours (default 21:00–08:00 in the customer's own timezone): a notice
  is held back unless the incident is marked service-critical (emergency
  calling, a whole region down), and sent when the quiet hours end if it is
  still the incident's newest version.
- Rate limit: at most N notices (default 3) per customer in a rolling window
  (default 24 h). A "fixed" notice is exempt for a customer who was told
  about that incident, so nobody is left believing a fixed fault persists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class ContactPolicy:
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    rate_limit: int = 3
    rate_window_hours: float = 24.0
    default_timezone: str = "Europe/London"


def customer_zone(name: str, default: str) -> ZoneInfo:
    """The customer's timezone; an unknown name falls back to the operator's default."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def in_quiet_hours(policy: ContactPolicy, *, now: datetime, timezone: str) -> bool:
    """Whether ``now`` falls in the customer's quiet hours (a window may span midnight)."""
    local = now.astimezone(customer_zone(timezone, policy.default_timezone)).time()
    start, end = policy.quiet_start, policy.quiet_end
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def over_rate_limit(policy: ContactPolicy, *, recent_count: int) -> bool:
    """Whether one more notice would exceed the per-customer limit in the window."""
    return recent_count >= policy.rate_limit
