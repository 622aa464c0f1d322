"""Report periods: ``7d``, ``24h``, ``2w`` back from now, or an ISO date/time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Optional

from careline import clock

_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str, *, now: Optional[datetime] = None) -> datetime:
    """The start of a period; raises ValueError with a hint for anything else."""
    now = now or clock.now()
    relative = re.fullmatch(r"(\d+)([mhdw])", value.strip().lower())
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not a period: use 7d, 24h, 2w or an ISO date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
