"""What the contacts service answers: frozen values, no ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from careline.profile.enums import Channel


@dataclass(frozen=True)
class PhoneContact:
    """What sending to one number on one channel needs to know, and nothing more."""

    customer_id: int
    #: The channel's governing identity for this number is opted out.
    opted_out: bool
    #: The customer's last WhatsApp message from this number (``None`` off WhatsApp).
    last_whatsapp_inbound: Optional[datetime] = None


@dataclass(frozen=True)
class AreaContact:
    """A customer served in an area, with their consent and ways to reach them."""

    customer_id: int
    segment: str
    area: str
    preferred_channel: str
    #: Outage notices: the preference is on, or they subscribed to outage updates.
    outage_opted_in: bool
    msisdn: Optional[str]
    #: Their WhatsApp number, else their mobile number (usually one phone).
    whatsapp: Optional[str]
    opted_out_channels: frozenset[Channel]
    last_whatsapp_inbound: Optional[datetime] = None


@dataclass(frozen=True)
class CustomerPlacement:
    """Where a customer sits for reporting: segment and network area, as the profile has them."""

    customer_id: int
    segment: str
    area: Optional[str]
