"""What crosses proactive care's boundaries: incident updates, recipients, notices, results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Optional

from pydantic import BaseModel, Field, conint, constr, validator

from careline import clock


class IncidentAction(str, Enum):
    """What happened to the incident; decides the notice's wording."""

    OPEN = "open"
    UPDATE = "update"
    RESOLVE = "resolve"


class IncidentState(str, Enum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    FIXING = "fixing"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class Severity(str, Enum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class IncidentUpdate(BaseModel):
    """One version of an incident, as an operator's network system reports it.

    ``(incident_id, version)`` identifies the update: sending the same pair
    again changes nothing and sends nothing.
    """

    incident_id: constr(regex=r"^[A-Za-z0-9._:-]{1,20}$")  # type: ignore[valid-type]
    version: conint(ge=1, le=1_000_000)  # type: ignore[valid-type]
    action: IncidentAction
    areas: tuple[constr(regex=r"^[A-Za-z0-9-]{1,12}$"), ...]  # type: ignore[valid-type]
    services: tuple[constr(min_length=1, max_length=32), ...] = ("mobile_data",)  # type: ignore[valid-type]
    severity: Severity = Severity.MAJOR
    #: The network silo's status; defaults follow the action (investigating/fixing/resolved).
    status: Optional[IncidentState] = None
    summary: constr(min_length=1, max_length=200)  # type: ignore[valid-type]
    detail: Optional[constr(max_length=500)] = None  # type: ignore[valid-type]
    eta: Optional[datetime] = None
    service_critical: bool = False
    occurred_at: datetime = Field(default_factory=clock.now)

    class Config:
        frozen = True

    @property
    def network_status(self) -> IncidentState:
        if self.action is IncidentAction.RESOLVE:
            return IncidentState.RESOLVED
        if self.status is not None and self.status is not IncidentState.RESOLVED:
            return self.status
        return IncidentState.INVESTIGATING if self.action is IncidentAction.OPEN \
            else IncidentState.FIXING

    @validator("areas")
    def _some_areas(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not 1 <= len(value) <= 200:
            raise ValueError("name between 1 and 200 affected areas")
        return tuple(dict.fromkeys(value))

    @validator("eta", "occurred_at")
    def _aware(cls, value: Optional[datetime]) -> Optional[datetime]:
        if value is not None and value.tzinfo is None:
            raise ValueError("times must carry a timezone (e.g. 2026-11-27T03:00:00Z)")
        return value


class DeliveryMode(str, Enum):
    """How one notice travels; WhatsApp needs an approved template outside the 24-hour window."""

    SMS = "sms"
    WHATSAPP_SESSION = "whatsapp_session"
    WHATSAPP_TEMPLATE = "whatsapp_template"
    WEBCHAT = "webchat"

    @property
    def channel(self) -> str:
        return "whatsapp" if self.value.startswith("whatsapp") else self.value


@dataclass(frozen=True)
class Recipient:
    """A customer in an affected area, with what the planner needs to reach them."""

    customer_id: int
    segment: str
    area: str
    preferred_channel: str
    msisdn: Optional[str]
    whatsapp: Optional[str]
    timezone: str
    opted_in: bool
    opted_out_channels: frozenset[str] = frozenset()
    last_whatsapp_inbound: Optional[datetime] = None
    webchat_conversation: Optional[str] = None


class Suppression(str, Enum):
    """Why a customer in the area got no notice."""

    NOT_OPTED_IN = "not_opted_in"
    OPTED_OUT = "opted_out"
    NO_CHANNEL = "no_channel"
    QUIET_HOURS = "quiet_hours"
    RATE_LIMITED = "rate_limited"
    NOT_TOLD = "not_told"


@dataclass(frozen=True)
class PlannedNotice:
    """One message to send, in the order the plan lists them (VIP first)."""

    customer_id: int
    segment: str
    mode: DeliveryMode
    address: str
    conversation_id: str
    text: str
    incident_id: str
    action: IncidentAction
    area: str
    template: Optional[str] = None
    template_variables: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Skipped:
    customer_id: int
    reason: Suppression


@dataclass(frozen=True)
class NoticePlan:
    notices: tuple[PlannedNotice, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True)
class DeliveryReceipt:
    """What the channel said: a provider id when it accepted the message."""

    provider_id: str


@dataclass(frozen=True)
class NotifyResult:
    """The outcome of handling one incident update; repeated updates report ``duplicate``."""

    incident_id: str
    version: int
    duplicate: bool
    sent: int
    skipped: dict[str, int]
    failed: int
    already_sent: int
