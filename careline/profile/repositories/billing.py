"""Billing rows: accounts, invoices, payments and payment arrangements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Optional, Sequence, cast

from sqlalchemy import bindparam, literal_column, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from careline.profile.models import (Arrangement, ArrangementInstalment, BillingAccount, Customer,
                                     Invoice, InvoiceLineRow, Payment)

_accounts = BillingAccount.__table__
_invoices = Invoice.__table__
_lines = InvoiceLineRow.__table__
_payments = Payment.__table__
_arrangements = Arrangement.__table__
_instalments = ArrangementInstalment.__table__
_customers = Customer.__table__

#: A read's rows and, apart, the order they come in: the unified profile
#: (careline/profile/repositories/unified.py) runs the same rows inside its one statement,
#: where it ranks them by that order instead of sorting them.
Query = tuple[Select, tuple[ColumnElement, ...]]


def invoices_with_lines_query(*, owner: ColumnElement, limit: ColumnElement) -> Query:
    """The ``limit`` newest invoices of the customer ``owner`` selects, one row per line."""
    latest = (select(_invoices.c.id, _accounts.c.currency)
              .select_from(_invoices
                           .join(_accounts, _accounts.c.id == _invoices.c.account_id)
                           .join(_customers, _customers.c.id == _accounts.c.customer_id))
              .where(owner)
              .order_by(_invoices.c.issued_on.desc(), _invoices.c.id.desc())
              .limit(limit)
              .subquery("latest"))
    rows = (select(_invoices, latest.c.currency, _lines.c.category.label("line_category"),
                   _lines.c.description.label("line_description"),
                   _lines.c.amount.label("line_amount"))
            .select_from(latest
                         .join(_invoices, _invoices.c.id == latest.c.id)
                         .outerjoin(_lines, _lines.c.invoice_id == _invoices.c.id)))
    return rows, (_invoices.c.issued_on.desc(), _invoices.c.id.desc(), _lines.c.id)


def account_state_query() -> Query:
    """The rows of :func:`account_state_rows`; ``customer_id`` is its only parameter (the
    last payment's ``LIMIT 1`` is written into the SQL)."""
    last_payment = (select(_payments.c.id).where(_payments.c.account_id == _accounts.c.id)
                    .order_by(_payments.c.paid_on.desc(), _payments.c.id.desc())
                    .limit(literal_column("1"))
                    .correlate(_accounts).scalar_subquery())
    rows = (select(_accounts, _payments.c.paid_on.label("payment_paid_on"),
                   _payments.c.amount.label("payment_amount"),
                   _payments.c.method.label("payment_method"),
                   _arrangements.c.id.label("arrangement_id"),
                   _arrangements.c.reference.label("arrangement_reference"),
                   _arrangements.c.kind.label("arrangement_kind"),
                   _arrangements.c.status.label("arrangement_status"),
                   _arrangements.c.amount.label("arrangement_amount"),
                   _arrangements.c.created_on.label("arrangement_created_on"),
                   _instalments.c.due_on.label("instalment_due_on"),
                   _instalments.c.amount.label("instalment_amount"))
            .select_from(_accounts
                         .outerjoin(_payments, _payments.c.id == last_payment)
                         .outerjoin(_arrangements, _arrangements.c.account_id == _accounts.c.id)
                         .outerjoin(_instalments,
                                    _instalments.c.arrangement_id == _arrangements.c.id))
            .where(_accounts.c.customer_id == bindparam("customer_id")))
    return rows, (_arrangements.c.created_on.desc(), _arrangements.c.id.desc(),
                  _instalments.c.due_on, _instalments.c.id)


def _ordered(query: Query) -> Select:
    rows, order = query
    return rows.order_by(*order)


# Read statements are built once: building a select costs more than running it.
_INVOICES_WITH_LINES = _ordered(invoices_with_lines_query(
    owner=_customers.c.account_number == bindparam("account_number"),
    limit=bindparam("limit")))
_ACCOUNT_STATE = _ordered(account_state_query())


def get_account(*, session: Session, customer_id: int) -> Optional[BillingAccount]:
    statement = select(BillingAccount).where(BillingAccount.customer_id == customer_id)
    return cast("BillingAccount | None", session.execute(statement).scalars().first())


def latest_invoices_with_lines(*, session: Session, account_number: str,
                               limit: int) -> list[Row]:
    """The ``limit`` newest invoices, one row per invoice line, in one query.

    Rows carry the invoice's columns, the account's ``currency`` and the line's
    ``line_category``/``line_description``/``line_amount`` (NULL for an invoice
    without lines); newest invoice first, lines in insertion order.
    """
    return list(session.execute(_INVOICES_WITH_LINES,
                                {"account_number": account_number, "limit": limit}))


def account_state_rows(*, session: Session, customer_id: int) -> list[Row]:
    """The customer's account with its last payment and every arrangement, in one query.

    One row per arrangement instalment (at least one row per account): the
    account's columns, ``payment_*`` of the newest payment, ``arrangement_*``
    newest arrangement first and ``instalment_*`` by due date; no rows for a
    customer without an account.
    """
    return list(session.execute(_ACCOUNT_STATE, {"customer_id": customer_id}))


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
