"""CRM: who the customer is and how to reach them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from careline.profile.enums import Channel, IdentityKind, Segment


@dataclass(frozen=True)
class CustomerRef:
    """Who a channel identity belongs to: enough to greet and route, no more."""

    customer_id: int
    account_number: str
    first_name: str
    full_name: str
    segment: Segment
    matched_by: IdentityKind
    identity: str

    @property
    def is_vip(self) -> bool:
        return self.segment is Segment.VIP


@dataclass(frozen=True)
class Identity:
    kind: IdentityKind
    value: str
    opted_out: bool = False


@dataclass(frozen=True)
class ServiceAddress:
    line1: str
    town: str
    postcode: str
    area_code: str
    area_name: str


@dataclass(frozen=True)
class ContactPreferences:
    preferred_channel: Optional[Channel]
    marketing_opt_in: bool
    outage_notifications: bool


@dataclass(frozen=True)
class CustomerInfo:
    customer_id: int
    account_number: str
    first_name: str
    full_name: str
    segment: Segment
    customer_since: date
    identities: tuple[Identity, ...]
    address: ServiceAddress
    preferences: ContactPreferences
    has_pin: bool
