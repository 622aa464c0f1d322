"""Values a script's expectations name (``${owed}``), read from the stack's rows.

Each is read when the turn is played, for the conversation's customer, so a figure the
bot says is checked against the database it was taken from, on any date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable, Optional

from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions.formatting import day, money
from careline.db.session import session_scope
from careline.profile import models
from careline.settings import get_settings

PLACEHOLDER = re.compile(r"\$\{([a-z_.0-9A-Z]+)\}")


@dataclass(frozen=True)
class FactContext:
    engine: Engine
    today: date
    account: Optional[str]
    pin: Optional[str]


def _rows(context: FactContext, query: Any) -> list[tuple]:
    with session_scope(context.engine) as session:
        return [tuple(row) for row in session.execute(query)]


def _customer_join(query: Any, context: FactContext, account_table: Any) -> Any:
    return (query.join(models.BillingAccount, models.BillingAccount.id == account_table)
            .join(models.Customer, models.Customer.id == models.BillingAccount.customer_id)
            .where(models.Customer.account_number == context.account))


def said_due(due_on: date, amount: Decimal, today: date) -> str:
    """How the bot says one amount falls due (docs/conversations.md, Money and dates)."""
    if due_on < today:
        return (f"{money(amount)} was due on {day(due_on, today=today)} and is "
                f"{(today - due_on).days} days overdue")
    return f"{money(amount)} is due on {day(due_on, today=today)}"


def unpaid_bills(context: FactContext) -> list[tuple[date, Decimal]]:
    invoice = models.Invoice
    query = select(invoice.due_on, invoice.total - invoice.amount_paid).where(
        invoice.amount_paid < invoice.total).order_by(invoice.due_on)
    return _rows(context, _customer_join(query, context, invoice.account_id))


def bill_totals(context: FactContext) -> list[Decimal]:
    """Every bill's total, the latest first (what "why has my bill gone up" compares)."""
    invoice = models.Invoice
    query = select(invoice.total).order_by(invoice.issued_on.desc())
    return [total for (total,) in _rows(context, _customer_join(query, context,
                                                                 invoice.account_id))]


def charge(context: FactContext, description: str) -> str:
    """The latest billed amount of one charge line, as the dispute form lists it."""
    invoice, line = models.Invoice, models.InvoiceLineRow
    query = (select(line.amount).join(invoice, invoice.id == line.invoice_id)
             .where(line.description == description)
             .order_by(invoice.issued_on.desc()).limit(1))
    [(amount,)] = _rows(context, _customer_join(query, context, invoice.account_id))
    return money(amount)


def instalments(context: FactContext) -> list[tuple[str, date, Decimal]]:
    arrangement, instalment = models.Arrangement, models.ArrangementInstalment
    query = (select(arrangement.reference, instalment.due_on, instalment.amount)
             .join(instalment, instalment.arrangement_id == arrangement.id)
             .where(arrangement.status == "active").order_by(instalment.due_on))
    return _rows(context, _customer_join(query, context, arrangement.account_id))


def latest_payment(context: FactContext) -> tuple[date, Decimal]:
    payment = models.Payment
    query = select(payment.paid_on, payment.amount).order_by(payment.paid_on.desc()).limit(1)
    [row] = _rows(context, _customer_join(query, context, payment.account_id))
    return row


def open_case(context: FactContext) -> str:
    case, customer = models.Case, models.Customer
    [(reference,)] = _rows(context, select(case.reference).join(
        customer, customer.id == case.customer_id).where(
        customer.account_number == context.account, case.kind == "fault",
        case.status != "resolved").order_by(case.opened_at.desc()).limit(1))
    return reference


def area_name(context: FactContext, code: str) -> str:
    [(name,)] = _rows(context, select(models.NetworkArea.name)
                      .where(models.NetworkArea.code == code))
    return name


def open_incident(context: FactContext, code: str) -> str:
    incident = models.Incident
    [(title,)] = _rows(context, select(incident.title).where(
        incident.area_code == code, incident.status != "resolved"))
    return title


def with_vat(context: FactContext, add_on: str) -> str:
    [(price,)] = _rows(context, select(models.AddOn.price).where(models.AddOn.code == add_on))
    return money((price * (1 + get_settings().vat_rate)).quantize(Decimal("0.01")))


def leaving(context: FactContext) -> date:
    """The 15th of next month: a travel date that is never today."""
    return (context.today.replace(day=1) + timedelta(days=32)).replace(day=15)


def _nth(values: Callable[[FactContext], list], index: int) -> Callable[[FactContext], Any]:
    return lambda context: values(context)[index]


FACTS: dict[str, Callable[[FactContext], str]] = {
    "account": lambda c: c.account or "",
    "pin": lambda c: c.pin or "",
    "owed": lambda c: money(sum(owed for _, owed in unpaid_bills(c))),
    "overdue": lambda c: money(sum(owed for due, owed in unpaid_bills(c) if due < c.today)),
    "arrangement": lambda c: instalments(c)[0][0],
    "last_payment": lambda c: money(latest_payment(c)[1]),
    "last_payment.day": lambda c: day(latest_payment(c)[0], today=c.today),
    "case": open_case,
    "bill.latest": lambda c: money(bill_totals(c)[0]),
    "bill.previous": lambda c: money(bill_totals(c)[1]),
    "charge.late_fee": lambda c: charge(c, "Late payment fee"),
    "area.LS6": lambda c: area_name(c, "LS6"),
    "area.M1": lambda c: area_name(c, "M1"),
    "incident.M1": lambda c: open_incident(c, "M1"),
    "pass.world_month": lambda c: with_vat(c, "ROAM-W1-MONTH"),
    "leaving.say": lambda c: f"{leaving(c).day} {leaving(c):%B}",
    "leaving.day": lambda c: day(leaving(c), today=c.today),
}
for _index in range(3):
    FACTS[f"bill.{_index + 1}"] = (
        lambda c, i=_index: said_due(*unpaid_bills(c)[i], c.today))
    FACTS[f"instalment.{_index + 1}"] = (
        lambda c, i=_index: said_due(*instalments(c)[i][1:], c.today))


def fill(text: str, context: FactContext, extra: dict[str, str], *, escape: bool) -> str:
    """``text`` with each ``${name}`` replaced (regex-escaped in expectations)."""
    def value(found: re.Match) -> str:
        name = found.group(1)
        said = extra[name] if name in extra else FACTS[name](context)
        return re.escape(said) if escape else said
    return PLACEHOLDER.sub(value, text)
