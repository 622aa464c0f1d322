"""The figures insight computes, as frozen dataclasses the report and the dashboard draw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional


@dataclass(frozen=True)
class DayFigures:
    day: date
    contacts: int
    handed_off: int
    frustrated: int
    mean_sentiment: Optional[float]


@dataclass(frozen=True)
class BreakdownRow:
    """Figures for one channel or one segment."""

    key: str
    contacts: int
    contained: int
    handed_off: int
    median_seconds_to_handoff: Optional[float]
    median_seconds_to_agent_reply: Optional[float]

    @property
    def containment_rate(self) -> Optional[float]:
        return self.contained / self.contacts if self.contacts else None


@dataclass(frozen=True)
class AreaDrivers:
    area: str
    contacts: int
    top: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class CustomerAtRisk:
    customer_id: int
    masked_number: str
    segment: str
    area: str
    outages: int
    contacts: int
    mean_sentiment: float
    frustrated_contacts: int


@dataclass(frozen=True)
class NoticeFigures:
    sent: int
    skipped: tuple[tuple[str, int], ...]
    failed: int


@dataclass(frozen=True)
class InsightReport:
    since: datetime
    until: datetime
    contacts: int
    contained: int
    handed_off: int
    handoff_reasons: tuple[tuple[str, int], ...]
    drivers: tuple[tuple[str, int], ...]
    areas: tuple[AreaDrivers, ...]
    repeat_contacts: int
    frustrated_contacts: int
    days: tuple[DayFigures, ...]
    by_channel: tuple[BreakdownRow, ...]
    by_segment: tuple[BreakdownRow, ...]
    median_seconds_to_handoff: Optional[float]
    median_seconds_to_agent_reply: Optional[float]
    at_risk: tuple[CustomerAtRisk, ...]
    notices: NoticeFigures

    @property
    def containment_rate(self) -> Optional[float]:
        return self.contained / self.contacts if self.contacts else None

    @property
    def repeat_rate(self) -> Optional[float]:
        return self.repeat_contacts / self.contacts if self.contacts else None
