"""Careline's one clock: every "now" and every calendar "today" is read here.

Why one module. Bills fall due, cycles roll over and quiet hours start on the
operator's calendar, not on UTC's and not on the machine's local zone: at 23:30
UTC on a summer evening it is already tomorrow in London. Reading the time in one
place keeps that rule in one place, and lets tests freeze it (``time_machine``
moves ``datetime.now`` underneath this module) instead of depending on the date
a test happens to run.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def operator_zone() -> ZoneInfo:
    """The operator's timezone (``CARELINE_TIMEZONE``), whose calendar bills follow."""
    from careline.settings import get_settings

    return ZoneInfo(get_settings().operator_timezone)


def local_date(instant: datetime, zone: Optional[ZoneInfo] = None) -> date:
    """The operator's calendar date at ``instant`` (an aware datetime)."""
    return instant.astimezone(zone or operator_zone()).date()


def today() -> date:
    """Today on the operator's calendar."""
    return local_date(now())
