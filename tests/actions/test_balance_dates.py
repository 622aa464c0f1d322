"""Money and dates as Gareth hears them: each bill on its own date and in the right tense,
then the arrangement he agreed instead of "overdue". Every figure is read from the rows."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import time_machine
from sqlalchemy import select

from actions.arrangements import ActionCreateArrangement
from actions.billing import (ActionCheckBalance, ActionCheckDueDate, ActionPaymentOptions,
                             payments_text)
from actions.formatting import day, money
from careline import clock
from careline.db.session import get_engine, session_scope
from careline.profile import models
from careline.profile.schemas import AmountDue, BalanceInfo, PaymentType
from tests.actions.conftest import Conversation, run, verified

GARETH = "CL10000104"
#: Between Gareth's two bills' due dates on the seeded calendar (issued 1 Oct and 1 Nov).
BETWEEN_DUE_DATES = datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc)


def unpaid_rows(url: str) -> list[tuple[date, Decimal]]:
    invoice, account, customer = models.Invoice, models.BillingAccount, models.Customer
    query = (select(invoice.due_on, invoice.total - invoice.amount_paid)
             .join(account, account.id == invoice.account_id)
             .join(customer, customer.id == account.customer_id)
             .where(customer.account_number == GARETH, invoice.amount_paid < invoice.total)
             .order_by(invoice.due_on))
    with session_scope(get_engine(url)) as session:
        return [(due_on, Decimal(owed)) for due_on, owed in session.execute(query)]


def instalment_rows(url: str) -> list[tuple[str, date, Decimal]]:
    arrangement, instalment = models.Arrangement, models.ArrangementInstalment
    query = (select(arrangement.reference, instalment.due_on, instalment.amount)
             .join(instalment, instalment.arrangement_id == arrangement.id)
             .order_by(instalment.due_on))
    with session_scope(get_engine(url)) as session:
        return [(ref, due_on, Decimal(amount)) for ref, due_on, amount in session.execute(query)]


def said_about(row: tuple[date, Decimal], today: date) -> str:
    due_on, owed = row
    if due_on < today:
        return (f"{money(owed)} was due on {day(due_on, today=today)} and is "
                f"{(today - due_on).days} days overdue")
    return f"{money(owed)} is due on {day(due_on, today=today)}"


async def test_each_bill_is_said_with_its_own_amount_date_and_tense(demo, careline_db):
    with time_machine.travel(BETWEEN_DUE_DATES, tick=False):
        today = BETWEEN_DUE_DATES.date()
        rows = unpaid_rows(careline_db)
        assert [due_on < today for due_on, _ in rows] == [True, False]  # one past, one to come
        turn = await run(ActionCheckBalance(), Conversation(slots=verified(demo["Gareth"])))
    said = turn.kwargs("utter_balance_due")
    assert said["amount_due"] == money(sum(owed for _, owed in rows))
    assert said["payments"] == " and ".join(said_about(row, today) for row in rows)
    assert said["reassurance"] == ""


async def test_how_to_pay_asks_for_what_is_overdue_not_the_whole_balance(demo, careline_db):
    with time_machine.travel(BETWEEN_DUE_DATES, tick=False):
        overdue = [owed for due_on, owed in unpaid_rows(careline_db)
                   if due_on < BETWEEN_DUE_DATES.date()]
        turn = await run(ActionPaymentOptions(), Conversation(slots=verified(demo["Gareth"])))
    assert turn.kwargs("utter_payment_options")["amount_due"] == f"{money(sum(overdue))} (overdue)"


async def test_after_an_arrangement_the_balance_is_its_instalments_and_nothing_is_overdue(
        demo, careline_db):
    slots = verified(demo["Gareth"], second_factor=True, arrangement_kind="instalments",
                     instalments="3")
    created = await run(ActionCreateArrangement(), Conversation(slots=slots, intent="affirm"))
    reference = created.kwargs("utter_arrangement_created")["reference"]
    today = clock.today()  # the seeded calendar (the fixture moves the clock there)
    instalments = instalment_rows(careline_db)
    assert {ref for ref, _, _ in instalments} == {reference} and len(instalments) == 3

    balance = await run(ActionCheckBalance(), Conversation(slots=verified(demo["Gareth"]),
                                                           intent="ask_balance"))
    said = balance.kwargs("utter_balance_due")
    assert said["amount_due"] == money(sum(amount for _, _, amount in instalments))
    assert said["payments"] == f"under your payment arrangement {reference}, " + ", ".join(
        f"{money(amount)} is due on {day(due_on, today=today)}"
        for _, due_on, amount in instalments[:-1]) + " and " + \
        f"{money(instalments[-1][2])} is due on {day(instalments[-1][1], today=today)}"
    assert "overdue" not in said["payments"] and said["reassurance"] == " Nothing is overdue."

    due = await run(ActionCheckDueDate(), Conversation(slots=verified(demo["Gareth"])))
    assert due.kwargs("utter_due_date")["payments"].startswith(
        f"Under your payment arrangement {reference}, {money(instalments[0][2])} is due on "
        f"{day(instalments[0][1], today=today)}")

    pay = await run(ActionPaymentOptions(), Conversation(slots=verified(demo["Gareth"])))
    assert pay.kwargs("utter_payment_options")["amount_due"] == \
        f"{money(instalments[0][2])} (due {day(instalments[0][1], today=today)})"


def test_a_bill_after_an_arrangement_is_said_apart_from_its_instalments():
    today = date(2026, 12, 6)
    agreed, billed = {"arrangement_reference": "PA-1"}, {"invoice_number": "INV-12"}
    schedule = (AmountDue(Decimal("20.00"), date(2026, 12, 13), False, **agreed),
                AmountDue(Decimal("36.00"), date(2026, 12, 15), False, **billed),
                AmountDue(Decimal("20.00"), date(2027, 1, 12), False, **agreed))
    balance = BalanceInfo(customer_id=1, account_number="CL00000001",
                          payment_type=PaymentType.POSTPAID, amount_due=Decimal("76.00"),
                          overdue_amount=Decimal("0.00"), due_on=date(2026, 12, 13), days_overdue=0,
                          autopay=False, prepaid_credit=None, last_payment=None,
                          arrangement=None, schedule=schedule)
    assert payments_text(balance, today) == (
        "under your payment arrangement PA-1, £20.00 is due on 13 December and £20.00 is due "
        "on 12 January 2027; and £36.00 is due on 15 December")
