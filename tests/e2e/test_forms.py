"""Forms never trap, end to end with the demo customers: Tom (WhatsApp +447700900112)
asks about his bill inside the roaming form and is answered; Gareth (SMS +447700900104)
says "cancel" inside the payment arrangement form and the form ends, with no ticket for a
person; a form left half done does not capture the next session's first message.

Each test starts its customer's conversation afresh (a new session, as session expiry
does) before and after, so the other end-to-end tests find them signed out and formless.
"""

from __future__ import annotations

import asyncio

import pytest
import requests
from sqlalchemy import func, select

from careline.channels.conversation_key import customer_sender_id
from careline.channels.phone_simulator import Phone
from careline.db.session import get_engine, session_scope
from careline.handoff.models import OutboxEntry
from careline.profile.service import ProfileService
from tests.e2e.stack import CarelineStack
from tests.e2e.test_money_dates_keywords import (GARETH_ACCOUNT, GARETH_SMS, TOM_WHATSAPP, say,
                                                 texted_code)

pytestmark = pytest.mark.slow

NOT_A_COUNTRY = "I don't have roaming prices"
STOPPED = "I've stopped that and nothing has changed"


def conversation_of(stack: CarelineStack, channel: str, number: str) -> str:
    customer = ProfileService(get_engine(stack.database_url)).find_customer(
        channel=channel, address=number)
    assert customer is not None
    return customer_sender_id(customer.customer_id)


def new_session(stack: CarelineStack, conversation: str) -> None:
    """What Rasa's action_session_start writes when a session expires."""
    reply = requests.post(
        f"{stack.rasa_url}/conversations/{conversation}/tracker/events",
        params={"token": stack.token},
        json=[{"event": "session_started"}, {"event": "action", "name": "action_listen"}],
        timeout=30)
    reply.raise_for_status()


def handoffs(stack: CarelineStack, conversation: str) -> int:
    with session_scope(get_engine(stack.database_url)) as session:
        return session.execute(select(func.count()).select_from(OutboxEntry).where(
            OutboxEntry.conversation_id == conversation)).scalar_one()


@pytest.fixture()
def tom(careline_stack: CarelineStack):  # type: ignore[no-untyped-def]
    conversation = conversation_of(careline_stack, "whatsapp", TOM_WHATSAPP)
    new_session(careline_stack, conversation)
    yield careline_stack.phone("whatsapp", TOM_WHATSAPP)
    new_session(careline_stack, conversation)


def test_tom_asks_about_his_bill_inside_the_roaming_form_and_is_answered(tom: Phone):
    async def conversation() -> tuple[str, str]:
        asked = await say(tom, "how much is roaming")
        return asked, await say(tom, "why was my bill so high")

    asked, answered = asyncio.run(conversation())
    assert "Which country" in asked, asked
    assert NOT_A_COUNTRY not in answered, answered
    assert "Your latest bill is" in answered or "haven't had a bill" in answered, answered
    assert "Which country" not in answered  # the roaming form was dropped


def test_a_form_left_half_done_does_not_capture_the_next_sessions_first_message(
        careline_stack: CarelineStack, tom: Phone):
    conversation = conversation_of(careline_stack, "whatsapp", TOM_WHATSAPP)
    assert "Which country" in asyncio.run(say(tom, "how much is roaming"))
    assert careline_stack.tracker(conversation)["active_loop"].get("name") == "roaming_form"
    new_session(careline_stack, conversation)
    balance = asyncio.run(say(tom, "what's my balance"))
    assert NOT_A_COUNTRY not in balance, balance
    assert "Your balance is" in balance or "all paid up" in balance, balance


def test_gareth_cancels_inside_the_arrangement_form_and_no_ticket_is_raised(
        careline_stack: CarelineStack):
    conversation = conversation_of(careline_stack, "sms", GARETH_SMS)
    new_session(careline_stack, conversation)
    phone = careline_stack.phone("sms", GARETH_SMS)

    async def until_the_form_asks() -> str:
        known = {m["sid"] for m in await phone.received()}
        asked = await say(phone, "can i pay in instalments")
        if "account number" in asked:
            await say(phone, GARETH_ACCOUNT)
        offer = await say(phone, await texted_code(phone, known))
        assert "Set one up?" in offer, offer
        return await say(phone, "yes")

    try:
        asked = asyncio.run(until_the_form_asks())  # the PIN, unless the code was enough
        assert "PIN" in asked or "SPLIT or LATER" in asked, asked
        before = handoffs(careline_stack, conversation)
        stopped = asyncio.run(say(phone, "cancel"))
        assert STOPPED in stopped, stopped
        assert "passing you to a person" not in stopped
        assert handoffs(careline_stack, conversation) == before  # no churn ticket
        tracker = careline_stack.tracker(conversation)
        assert not tracker["active_loop"] and not tracker.get("paused")
    finally:
        new_session(careline_stack, conversation)
