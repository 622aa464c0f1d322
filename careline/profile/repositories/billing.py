"""Billing rows: accounts, invoices, payments and payment arrangements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from careline.profile.models import (Arrangement, ArrangementInstalment, BillingAccount, Customer,
                                     Invoice, Payment)


def get_account(*, session: Session, customer_id: int) -> Optional[BillingAccount]:
    statement = select(BillingAccount).where(BillingAccount.customer_id == customer_id)
    return session.execute(statement).scalars().first()


def latest_invoices_by_account_number(*, session: Session, account_number: str,
                                      limit: int) -> list[tuple[Invoice, str]]:
    """Newest first, each with its account's currency: one query from the account number."""
    statement = (select(Invoice, BillingAccount.currency)
                 .join(BillingAccount, BillingAccount.id == Invoice.account_id)
                 .join(Customer, Customer.id == BillingAccount.customer_id)
                 .where(Customer.account_number == account_number)
                 .order_by(Invoice.issued_on.desc(), Invoice.id.desc()).limit(limit))
    return [(invoice, currency) for invoice, currency in session.execute(statement)]


def last_payment(*, session: Session, account_id: int) -> Optional[Payment]:
    statement = (select(Payment).where(Payment.account_id == account_id)
                 .order_by(Payment.paid_on.desc(), Payment.id.desc()).limit(1))
    return session.execute(statement).scalars().first()


def arrangements(*, session: Session, account_id: int,
                 status: Optional[str] = None) -> list[Arrangement]:
    """Newest first, optionally only those in ``status``."""
    statement = select(Arrangement).where(Arrangement.account_id == account_id)
    if status is not None:
        statement = statement.where(Arrangement.status == status)
    statement = statement.order_by(Arrangement.created_on.desc(), Arrangement.id.desc())
    return list(session.execute(statement).scalars())


def add_arrangement(*, session: Session, account_id: int, reference: str, kind: str,
                    amount: Decimal, created_on: date,
                    schedule: Sequence[tuple[date, Decimal]]) -> Arrangement:
    arrangement = Arrangement(account_id=account_id, reference=reference, kind=kind,
                              status="active", amount=amount, created_on=created_on)
    arrangement.instalments = [ArrangementInstalment(due_on=due, amount=value)
                               for due, value in schedule]
    session.add(arrangement)
    session.flush()
    return arrangement
