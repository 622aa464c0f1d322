"""What the store's writes return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from careline.profile.enums import Channel
from careline.profile.schemas.usage import ActiveAddOn, PlanInfo


@dataclass(frozen=True)
class PlanChangeResult:
    customer_id: int
    msisdn: str
    previous: PlanInfo
    new: PlanInfo
    effective_on: date


@dataclass(frozen=True)
class RoamingPassResult:
    customer_id: int
    msisdn: str
    passes: tuple[ActiveAddOn, ...]
    #: What the customer pays: with the VAT their bill adds when ``vat_included``.
    total_price: Decimal
    country_code: str
    vat_included: bool = False


@dataclass(frozen=True)
class OutageSubscription:
    customer_id: int
    incident_reference: Optional[str]
    area_code: str
    channel: Channel
    created: bool


@dataclass(frozen=True)
class OptOutResult:
    channel: Channel
    address: str
    opted_out: bool
    customer_id: Optional[int]


@dataclass(frozen=True)
class InteractionRef:
    interaction_id: int
    customer_id: Optional[int]
    occurred_at: datetime
