"""Network: outages with status, ETA and updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from careline.profile.enums import IncidentSeverity, IncidentStatus, ServiceKind


@dataclass(frozen=True)
class OutageUpdate:
    at: datetime
    status: IncidentStatus
    message: str


@dataclass(frozen=True)
class OutageInfo:
    reference: str
    title: str
    area_code: str
    area_name: str
    services: tuple[ServiceKind, ...]
    status: IncidentStatus
    severity: IncidentSeverity
    started_at: datetime
    eta: Optional[datetime]
    resolved_at: Optional[datetime]
    updates: tuple[OutageUpdate, ...]

    @property
    def is_active(self) -> bool:
        return self.status is not IncidentStatus.RESOLVED


@dataclass(frozen=True)
class NetworkAreaInfo:
    """A served area, keyed like a postcode district (``LS6``), with its everyday name."""

    code: str
    name: str
    region: str


@dataclass(frozen=True)
class AreaStatus:
    """Network status of a place anyone may ask about: public, no account in it."""

    area: NetworkAreaInfo
    outages: tuple[OutageInfo, ...]
