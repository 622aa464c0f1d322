"""Catalogue, subscriptions and usage: plans, add-ons, lines and usage cycles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Optional

from careline.profile.enums import AddOnKind, PaymentType


@dataclass(frozen=True)
class PlanInfo:
    """A tariff. ``None`` allowances mean unlimited."""

    code: str
    name: str
    payment_type: PaymentType
    monthly_price: Decimal
    data_gb: Optional[Decimal]
    minutes: Optional[int]
    texts: Optional[int]
    contract_months: int
    roaming_included: bool
    available: bool = True


@dataclass(frozen=True)
class AddOnInfo:
    code: str
    name: str
    kind: AddOnKind
    price: Decimal
    validity_days: int
    zone: Optional[str]
    data_gb: Optional[Decimal]


@dataclass(frozen=True)
class ActiveAddOn:
    add_on: AddOnInfo
    starts_on: date
    ends_on: date
    destination: Optional[str]


@dataclass(frozen=True)
class UsageCycle:
    cycle_start: date
    cycle_end: date
    data_gb: Decimal
    minutes: int
    texts: int
    roaming_data_gb: Decimal


@dataclass(frozen=True)
class UsageSummary:
    """This cycle's usage against the allowance, plus closed cycles (newest first)."""

    current: UsageCycle
    data_allowance_gb: Optional[Decimal]
    history: tuple[UsageCycle, ...]


@dataclass(frozen=True)
class LineInfo:
    msisdn: str
    plan: PlanInfo
    started_on: date
    contract_ends_on: Optional[date]
    add_ons: tuple[ActiveAddOn, ...]
    usage: Optional[UsageSummary]
