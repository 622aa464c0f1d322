"""Issue #21 over SMS and WhatsApp with the demo customers, end to end: money and dates
right (Gareth's balance, then his arrangement), Tom's pass for the US from his travel date
with VAT, a public outage check from a number we do not know, and every keyword
acknowledged. Every figure the bot says is checked against the stack's rows."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Callable

import pytest
from sqlalchemy import select

from actions.formatting import day, money
from careline import clock
from careline.channels.keywords import REPLIES, Keyword
from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.channels.apology import APOLOGY
from careline.db.session import get_engine, session_scope
from careline.profile import models
from careline.settings import get_settings
from tests.e2e.customers import add_customer, random_mobile
from tests.e2e.stack import CarelineStack

pytestmark = pytest.mark.slow

GARETH_SMS, GARETH_ACCOUNT, GARETH_PIN = "+447700900104", "CL10000104", "9753"
TOM_WHATSAPP, TOM_ACCOUNT = "+447700900112", "CL10000102"
CODE = re.compile(r"\b(\d{6})\b")


async def say(phone: Phone, text: str) -> str:
    """Send one signed message; every reply it got, joined (SMS splits long ones)."""
    known = {m["sid"] for m in await phone.received()}
    assert (await phone.send(PhoneMessage(text=text))).status == 200
    replies = [m["body"] for m in await phone.wait_for_replies(known=known, timeout=60)]
    assert replies and APOLOGY not in replies, (text, replies)
    return " ".join(replies)


async def texted_code(phone: Phone, known: set[str]) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in await phone.received():
            found = CODE.search(message["body"] or "")
            if message["sid"] not in known and found:
                return found.group(1)
        await asyncio.sleep(0.25)
    raise AssertionError("no one-time code was texted")


def rows(stack: CarelineStack, query) -> list:  # type: ignore[no-untyped-def]
    with session_scope(get_engine(stack.database_url)) as session:
        return [tuple(row) for row in session.execute(query)]


def unpaid_bills(stack: CarelineStack, account: str) -> list[tuple[date, Decimal]]:
    invoice, billing, customer = models.Invoice, models.BillingAccount, models.Customer
    return rows(stack, select(invoice.due_on, invoice.total - invoice.amount_paid)
                .join(billing, billing.id == invoice.account_id)
                .join(customer, customer.id == billing.customer_id)
                .where(customer.account_number == account, invoice.amount_paid < invoice.total)
                .order_by(invoice.due_on))


def instalments(stack: CarelineStack, account: str) -> list[tuple[str, date, Decimal]]:
    arrangement, instalment = models.Arrangement, models.ArrangementInstalment
    billing, customer = models.BillingAccount, models.Customer
    return rows(stack, select(arrangement.reference, instalment.due_on, instalment.amount)
                .join(instalment, instalment.arrangement_id == arrangement.id)
                .join(billing, billing.id == arrangement.account_id)
                .join(customer, customer.id == billing.customer_id)
                .where(customer.account_number == account, arrangement.status == "active")
                .order_by(instalment.due_on))


def said_due(due_on: date, amount: Decimal, today: date) -> str:
    if due_on < today:
        return (f"{money(amount)} was due on {day(due_on, today=today)} and is "
                f"{(today - due_on).days} days overdue")
    return f"{money(amount)} is due on {day(due_on, today=today)}"


async def until(phone: Phone, first: str, answers: dict[str, str], done: Callable[[str], bool],
                turns: int = 8) -> str:
    """Say ``first``, then answer each reply by the first key it contains, until ``done``."""
    reply = await say(phone, first)
    for _ in range(turns):
        if done(reply):
            return reply
        answer = next((a for asked, a in answers.items() if asked in reply), None)
        assert answer is not None, reply
        reply = await say(phone, answer)
    raise AssertionError(f"the conversation did not get there: {reply}")


def test_gareth_hears_each_bill_on_its_date_then_his_arrangement_not_overdue(
        careline_stack: CarelineStack):
    phone = careline_stack.phone("sms", GARETH_SMS)
    today = clock.today()

    async def conversation() -> tuple[str, str, str]:
        known = {m["sid"] for m in await phone.received()}
        asked = await say(phone, "how much do i owe")
        assert "You owe" not in asked  # an SMS number proves nobody: sign in first
        if "account number" in asked:
            await say(phone, GARETH_ACCOUNT)
        balance = await say(phone, await texted_code(phone, known))
        created = await until(phone, "can i pay in instalments", {
            "PIN": GARETH_PIN, "Set one up": "yes", "SPLIT or LATER": "split",
            "How many payments": "3", "Shall I set this up": "yes"},
            done=lambda reply: "Your arrangement" in reply)
        return balance, created, await say(phone, "how much do i owe now?")

    unpaid = unpaid_bills(careline_stack, GARETH_ACCOUNT)
    balance, created, after = asyncio.run(conversation())
    assert f"You owe {money(sum(owed for _, owed in unpaid))}: " in balance
    for due_on, owed in unpaid:
        assert said_due(due_on, owed, today) in balance, balance
    agreed = instalments(careline_stack, GARETH_ACCOUNT)
    reference = agreed[0][0]
    assert reference in created and len(agreed) == 3
    assert sum(amount for _, _, amount in agreed) == sum(owed for _, owed in unpaid)
    assert f"under your payment arrangement {reference}" in after
    for _, due_on, amount in agreed:
        assert said_due(due_on, amount, today) in after, after
    assert "overdue" not in after.replace("Nothing is overdue", ""), after
    assert "Nothing is overdue." in after


def test_tom_buys_a_pass_for_the_us_from_his_travel_date_with_vat(careline_stack: CarelineStack):
    phone = careline_stack.phone("whatsapp", TOM_WHATSAPP)
    today = clock.today()
    leaving = (today.replace(day=1) + timedelta(days=32)).replace(day=15)  # next month
    [(monthly,)] = rows(careline_stack, select(models.AddOn.price)
                        .where(models.AddOn.code == "ROAM-W1-MONTH"))
    with_vat = (monthly * (1 + get_settings().vat_rate)).quantize(Decimal("0.01"))

    async def conversation() -> tuple[str, str]:
        quote = await until(phone, "i'm going to the US next month", {
            "Which country": "the US", "What date do you leave": f"{leaving.day} {leaving:%B}",
            "How many days": "10"}, done=lambda reply: "Prices include VAT" in reply)
        return quote, await say(phone, "yes")

    quote, added = asyncio.run(conversation())
    assert f"United States from {day(leaving, today=today)}" in quote, quote
    assert f"World Monthly Pass = {money(with_vat)}" in quote
    line, add_on, customer = models.Line, models.LineAddOn, models.Customer
    [(starts_on, ends_on, destination)] = rows(careline_stack, select(
        add_on.starts_on, add_on.ends_on, add_on.destination)
        .join(line, line.id == add_on.line_id).join(customer, customer.id == line.customer_id)
        .where(customer.account_number == TOM_ACCOUNT, add_on.destination == "US"))
    assert starts_on == leaving
    assert (f"from {day(starts_on, today=today)} to {day(ends_on, today=today)}, "
            f"{money(with_vat)} in total including VAT") in added, added


@pytest.mark.parametrize("channel, question, code", [
    ("sms", "is there an outage in LS6?", "LS6"),
    ("whatsapp", "any network problems in Manchester?", "M1")])
def test_an_unknown_number_hears_a_places_network_status_without_signing_in(
        careline_stack: CarelineStack, channel: str, question: str, code: str):
    phone = careline_stack.phone(channel, random_mobile())
    reply = asyncio.run(say(phone, question))
    [(name,)] = rows(careline_stack, select(models.NetworkArea.name)
                     .where(models.NetworkArea.code == code))
    titles = [title for (title,) in rows(careline_stack, select(models.Incident.title).where(
        models.Incident.area_code == code, models.Incident.status != "resolved"))]
    assert name in reply and "account number" not in reply, reply
    if titles:
        assert any(title in reply for title in titles), reply
    else:
        assert "I can't see any known problem" in reply, reply


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
@pytest.mark.parametrize("known", [False, True], ids=["unknown-number", "customer"])
def test_every_keyword_is_acknowledged(careline_stack: CarelineStack, channel: str,
                                       known: bool):
    number = random_mobile()
    if known:
        add_customer(careline_stack.database_url, msisdn=number, whatsapp=True)
    phone = careline_stack.phone(channel, number)

    async def conversation() -> list[str]:
        said = [await say(phone, word) for word in ("STOP", "START", "HELP")]
        said.append(await say(phone, "CALLBACK"))  # the bot hands over to a person
        said.append(await say(phone, "CALLBACK"))  # paused now: the channel acknowledges
        return said

    stop, start, help_, callback, again = asyncio.run(conversation())
    assert (stop, start, help_) == (REPLIES[Keyword.STOP], REPLIES[Keyword.START],
                                    REPLIES[Keyword.HELP])
    assert callback  # answered by the bot (say() refuses silence and the apology)
    assert REPLIES[Keyword.CALLBACK] in again, again
