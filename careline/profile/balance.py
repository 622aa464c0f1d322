"""What a customer owes and when: each bill on its own due date, arrangements instead of bills.

Pure functions over schemas, so the rule is easy to read and test. A sum with the
earliest due date ("£60.00, due 15 November") told customers money was late that
was not due yet; and an arrangement agreed on the phone left them "overdue" on the
bills it had replaced. Here an active arrangement covers the bills that were unpaid
when it was made; what is still unpaid of them is owed as the arrangement's last
instalments (payments clear the earliest first), and bills issued after it fall due
on their own dates.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Optional, Sequence

from careline.profile.schemas import (
    AmountDue, ArrangementInfo, ArrangementStatus, BalanceInfo, CustomerInfo, InvoiceInfo,
    PaymentType,
)
from careline.profile.silos.protocols import AccountState

ZERO = Decimal("0.00")


def balance_of(*, customer: CustomerInfo, account: Optional[AccountState],
               bills: Sequence[InvoiceInfo], today: date) -> BalanceInfo:
    """The balance of ``bills`` (newest first) and the account's arrangements on ``today``."""
    payment_type = account.payment_type if account else PaymentType.POSTPAID
    unpaid = [b for b in bills if b.outstanding > 0]
    arrangement = _open_arrangement(account)
    schedule = due_schedule(unpaid, arrangement, today)
    overdue = [item for item in schedule if item.overdue]
    oldest_overdue = min((item.due_on for item in overdue), default=None)
    return BalanceInfo(
        customer_id=customer.customer_id, account_number=customer.account_number,
        payment_type=payment_type,
        amount_due=sum((b.outstanding for b in unpaid), ZERO),
        overdue_amount=sum((item.amount for item in overdue), ZERO),
        due_on=schedule[0].due_on if schedule else None,
        days_overdue=(today - oldest_overdue).days if oldest_overdue else 0,
        autopay=bool(account and account.autopay),
        prepaid_credit=account.prepaid_credit if account else None,
        last_payment=account.last_payment if account else None,
        arrangement=arrangement,
        currency=account.currency if account else "GBP",
        schedule=schedule,
    )


def due_schedule(unpaid: Sequence[InvoiceInfo], arrangement: Optional[ArrangementInfo],
                 today: date) -> tuple[AmountDue, ...]:
    """Every payment still owed, by due date: instalments left, then uncovered bills."""
    covered = [b for b in unpaid if arrangement and _covers(arrangement, b)]
    items = [AmountDue(amount=b.outstanding, due_on=b.due_on, overdue=b.due_on < today,
                       invoice_number=b.invoice_number)
             for b in unpaid if b not in covered]
    if arrangement is not None and covered:
        left = sum((b.outstanding for b in covered), ZERO)
        items.extend(_instalments_left(arrangement, left, today))
    return tuple(sorted(items, key=lambda item: (item.due_on, item.invoice_number or "")))


def _open_arrangement(account: Optional[AccountState]) -> Optional[ArrangementInfo]:
    """The newest active arrangement (its instalments are owed while its bills are unpaid)."""
    active = [a for a in (account.arrangements if account else ())
              if a.status is ArrangementStatus.ACTIVE]
    return active[0] if active else None


def _covers(arrangement: ArrangementInfo, bill: InvoiceInfo) -> bool:
    """An arrangement takes in the bills issued by the day it was made (one without a
    schedule replaces none)."""
    return bool(arrangement.schedule) and bill.issued_on <= arrangement.created_on


def _instalments_left(arrangement: ArrangementInfo, left: Decimal,
                      today: date) -> list[AmountDue]:
    """The last instalments adding up to ``left``: payments so far paid the earliest ones."""
    owed: list[tuple[date, Decimal]] = []
    for due_on, amount in reversed(arrangement.schedule):
        if left <= 0:
            break
        part = min(amount, left)
        owed.append((due_on, part))
        left -= part
    if left > 0:  # more unpaid than the arrangement's total: the earliest instalment owes it
        due_on, amount = owed[-1]
        owed[-1] = (due_on, amount + left)
    return [AmountDue(amount=amount, due_on=due_on, overdue=due_on < today,
                      arrangement_reference=arrangement.reference)
            for due_on, amount in reversed(owed)]
