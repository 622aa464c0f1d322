"""What crosses the channel layer's boundaries: frozen dataclasses, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

#: Delivery states Careline records (Twilio's own plus ``refused`` for policy).
FAILED_STATUSES = frozenset({"failed", "undelivered", "refused"})
#: How far along each status is: Twilio's callbacks can arrive out of order, and a
#: delivery never steps back (a late ``sent`` after ``delivered`` is ignored).
STATUS_ORDER = {"accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2,
                "delivered": 3, "undelivered": 3, "failed": 3, "canceled": 3,
                "partially_delivered": 3, "refused": 3, "read": 4}


@dataclass(frozen=True)
class Choice:
    """One option the bot offered (a Rasa button): shown as a number on phones."""

    title: str
    payload: str


@dataclass(frozen=True)
class Route:
    """Where a conversation's customer was last heard on one channel."""

    sender_id: str
    channel: str
    address: str
    last_inbound_at: datetime
    offered_choices: tuple[Choice, ...] = ()


@dataclass(frozen=True)
class DeliveryRecord:
    message_sid: Optional[str]
    channel: str
    sender_id: Optional[str]
    to_address: str
    status: str
    error_code: Optional[str]
    error_message: Optional[str]
    attempts: int
    #: False while a bulk sender holds the record to store with others in one transaction.
    stored: bool = True
    #: A failure whose cause may pass (Twilio's 429 or 5xx, Twilio unreachable): a later
    #: send may succeed (proactive notices are retried, careline/proactive/retries.py).
    retryable: bool = False
    #: The turn or request that sent it (careline/observability/correlation.py).
    correlation_id: Optional[str] = None

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


@dataclass(frozen=True)
class StatusUpdate:
    """One delivery status callback from Twilio, as recorded."""

    message_sid: str
    channel: str
    status: str
    to_address: str
    error_code: Optional[str] = None
    error_message: Optional[str] = None

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    label: Optional[str] = None
    address: Optional[str] = None


@dataclass(frozen=True)
class TwilioInbound:
    """A Twilio messaging webhook, parsed: nothing here is trusted to be present."""

    channel: str
    message_sid: str
    raw_from: str
    body: str
    media: tuple[Media, ...] = field(default_factory=tuple)
    location: Optional[Location] = None
    profile_name: Optional[str] = None
    wa_id: Optional[str] = None
    opt_out_type: Optional[str] = None
    button_payload: Optional[str] = None
