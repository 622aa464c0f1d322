"""The read interfaces of each silo, so an operator can plug in its own BSS/OSS.

Implementations return frozen schemas (never ORM rows) and hold whatever
connection they need; the SQL ones are bound to the caller's session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Optional, Protocol

from careline.profile.schemas import (
    AddOnInfo, ArrangementInfo, CaseRef, Channel, CustomerInfo, CustomerRef, IdentityKind,
    InteractionInfo, InvoiceInfo, LineInfo, NetworkAreaInfo, OutageInfo, PaymentInfo, PaymentType,
    PlanInfo,
)


@dataclass(frozen=True)
class Destination:
    country_code: str
    country_name: str
    zone: str


@dataclass(frozen=True)
class AccountState:
    """The billing account apart from its bills."""

    payment_type: PaymentType
    autopay: bool
    prepaid_credit: Optional[Decimal]
    last_payment: Optional[PaymentInfo]
    arrangements: tuple[ArrangementInfo, ...]
    currency: str


class CrmSilo(Protocol):
    def find_by_identity(self, *, kind: IdentityKind, value: str) -> Optional[CustomerRef]: ...

    def find_by_account(self, *, account_number: str) -> Optional[CustomerRef]: ...

    def customer(self, *, customer_id: int) -> Optional[CustomerInfo]: ...

    def verify_pin(self, *, customer_id: int, pin: str) -> bool: ...


class CustomerBillSilo(Protocol):
    """Customer bills (TMF678 CustomerBill): newest first, with categorised lines."""

    def bills(self, *, account_number: str, limit: int) -> tuple[InvoiceInfo, ...]: ...


class BillingAccountSilo(Protocol):
    def account(self, *, customer_id: int) -> Optional[AccountState]: ...


class CatalogueSilo(Protocol):
    def plans(self, *, payment_type: Optional[PaymentType] = None) -> tuple[PlanInfo, ...]: ...

    def destination(self, *, country: str) -> Optional[Destination]: ...

    def roaming_passes(self, *, zone: str) -> tuple[AddOnInfo, ...]: ...


class UsageSilo(Protocol):
    def lines(self, *, customer_id: int, today: date, history: int) -> tuple[LineInfo, ...]: ...


class NetworkSilo(Protocol):
    def areas(self) -> tuple[NetworkAreaInfo, ...]: ...

    def outages(self, *, area_code: str, include_resolved: bool) -> tuple[OutageInfo, ...]: ...


class EngagementSilo(Protocol):
    def interactions(self, *, customer_id: int, limit: int,
                     channel: Optional[Channel] = None) -> tuple[InteractionInfo, ...]: ...

    def open_cases(self, *, customer_id: int) -> tuple[CaseRef, ...]: ...
