"""Reading a customer's bills straight from the seeded rows, to check the service against."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from careline.profile import models
from tests.conftest import TestDatabase


def unpaid_bills(database: TestDatabase, *, account_number: str) -> list[tuple[date, Decimal]]:
    """(due date, amount still owed) of each of the account's bills not paid in full."""
    invoice, account, customer = models.Invoice, models.BillingAccount, models.Customer
    query = (select(invoice.due_on, invoice.total - invoice.amount_paid)
             .join(account, account.id == invoice.account_id)
             .join(customer, customer.id == account.customer_id)
             .where(customer.account_number == account_number,
                    invoice.amount_paid < invoice.total)
             .order_by(invoice.due_on))
    with database.session() as session:
        return [(due_on, Decimal(owed)) for due_on, owed in session.execute(query)]


def catalogue_price(database: TestDatabase, *, code: str) -> Decimal:
    """An add-on's catalogue price (without VAT), from its row."""
    with database.session() as session:
        return Decimal(session.execute(select(models.AddOn.price)
                                       .where(models.AddOn.code == code)).scalar_one())
