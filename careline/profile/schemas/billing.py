"""Billing: invoices and their lines, payments, arrangements, balance, bill explanation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Optional

from careline.profile.enums import (
    ArrangementKind, ArrangementStatus, BillCategory, InvoiceStatus, PaymentType,
)


ZERO = Decimal("0.00")


@dataclass(frozen=True)
class InvoiceLine:
    category: BillCategory
    description: str
    amount: Decimal


@dataclass(frozen=True)
class InvoiceInfo:
    invoice_number: str
    period_start: date
    period_end: date
    issued_on: date
    due_on: date
    total: Decimal
    outstanding: Decimal
    status: InvoiceStatus
    lines: tuple[InvoiceLine, ...]
    currency: str = "GBP"


@dataclass(frozen=True)
class PaymentInfo:
    paid_on: date
    amount: Decimal
    method: str


@dataclass(frozen=True)
class ArrangementInfo:
    reference: str
    kind: ArrangementKind
    status: ArrangementStatus
    amount: Decimal
    schedule: tuple[tuple[date, Decimal], ...]
    created_on: date


@dataclass(frozen=True)
class AmountDue:
    """One payment the customer owes on one date: an unpaid bill, or what is left of one
    instalment of a payment arrangement (which then replaces the bills it covers)."""

    amount: Decimal
    due_on: date
    #: True when ``due_on`` has passed (on the operator's calendar) and it is still unpaid.
    overdue: bool
    invoice_number: Optional[str] = None
    arrangement_reference: Optional[str] = None


@dataclass(frozen=True)
class BalanceInfo:
    """What the customer owes (postpaid) or holds as credit (prepaid).

    ``amount_due`` is everything unpaid; ``schedule`` says what of it is due when, oldest
    first (each bill on its own due date, an arrangement's instalments instead of the bills
    it covers); ``due_on`` is the first date of that schedule and ``overdue_amount`` the
    part of it already past due.
    """

    customer_id: int
    account_number: str
    payment_type: PaymentType
    amount_due: Decimal
    overdue_amount: Decimal
    due_on: Optional[date]
    days_overdue: int
    autopay: bool
    prepaid_credit: Optional[Decimal]
    last_payment: Optional[PaymentInfo]
    arrangement: Optional[ArrangementInfo]
    currency: str = "GBP"
    schedule: tuple[AmountDue, ...] = ()

    @property
    def is_overdue(self) -> bool:
        return self.overdue_amount > 0


@dataclass(frozen=True)
class CategoryChange:
    """One category of the bill against the previous one."""

    category: BillCategory
    previous: Decimal
    current: Decimal
    lines: tuple[InvoiceLine, ...]

    @property
    def difference(self) -> Decimal:
        return self.current - self.previous


@dataclass(frozen=True)
class BillExplanation:
    """Why the latest bill differs from the one before, biggest change first."""

    customer_id: int
    current: InvoiceInfo
    previous: Optional[InvoiceInfo]
    changes: tuple[CategoryChange, ...]
    currency: str = "GBP"

    @property
    def total_difference(self) -> Decimal:
        return self.current.total - (self.previous.total if self.previous else ZERO)

    @property
    def main_driver(self) -> Optional[CategoryChange]:
        """The category that moved most, or ``None`` when nothing changed."""
        moved = [c for c in self.changes if c.difference != 0]
        return max(moved, key=lambda c: abs(c.difference)) if moved else None
