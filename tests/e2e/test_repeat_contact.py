"""Olivia, the angry repeat contact, end to end over SMS and WhatsApp, and her handback.

Real signed Twilio webhooks into the real Rasa server and action server, replies out
through the real twilio client to the stand-in, the handoff in the real outbox, the
handback through the same Rasa HTTP call the desk makes. Olivia Brown (+447700900107) is
seeded with an open fault case FLT-DEMO0107 and three contacts about it in five days.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Callable

import pytest
from sqlalchemy import select

from careline.channels.conversation_key import customer_sender_id
from careline.channels.phone_simulator import PhoneMessage
from careline.db.session import get_engine, session_scope
from careline.handoff.models import OutboxEntry
from careline.handoff.schemas import ContextPackage
from careline.profile.service import ProfileService
from careline.rasa_client import RasaClient
from tests.e2e.stack import CarelineStack
from tests.eventually import eventually


def eventually_90(check: Callable[[], Any]) -> Any:
    """Olivia's turns hand over to the desk and back, so they get longer than most."""
    return eventually(check, timeout=90.0)


pytestmark = pytest.mark.slow

OLIVIA = "+447700900107"
CASE = "FLT-DEMO0107"


def _say(stack: CarelineStack, channel: str, text: str, *, replies: int = 1) -> list[str]:
    """Send one message and return the texts Olivia receives in reply (at least ``replies``)."""
    to = OLIVIA if channel == "sms" else f"whatsapp:{OLIVIA}"
    before = len(stack.standin_messages(to))
    result = asyncio.run(stack.phone(channel, OLIVIA).send(PhoneMessage(text=text)))
    assert result.status == 200
    bodies = eventually_90(lambda: [m["body"] for m in stack.standin_messages(to)][before:]
                         if len(stack.standin_messages(to)) >= before + replies else None)
    return bodies


def _handoffs(stack: CarelineStack, conversation_id: str) -> list[ContextPackage]:
    with session_scope(get_engine(stack.database_url)) as session:
        rows = session.execute(select(OutboxEntry.payload).where(
            OutboxEntry.conversation_id == conversation_id).order_by(OutboxEntry.id)).scalars()
        return [ContextPackage.parse_raw(payload) for payload in rows]


def test_olivia_angry_on_sms_reaches_a_person_at_high_priority_then_gets_her_case(
        careline_stack: CarelineStack):
    olivia = ProfileService(get_engine(careline_stack.database_url)).find_customer(
        channel="sms", address=OLIVIA)
    assert olivia is not None
    conversation = customer_sender_id(olivia.customer_id)

    angry = _say(careline_stack, "sms", "still NO signal at home … absolutely ridiculous",
                 replies=2)
    said = " ".join(angry).lower()
    assert "account number" not in said and "restart" not in said
    assert "passing you to a person" in said
    assert CASE not in " ".join(angry)  # unverified over SMS: nothing from the account
    [package] = eventually_90(lambda: _handoffs(careline_stack, conversation))
    assert package.reason.value == "frustration"
    assert package.priority.level in ("high", "urgent")
    assert package.sentiment.label == "angry"
    assert package.customer is not None and package.customer.verified is False
    history = next(f for f in package.priority.factors if f.name == "history")
    assert history.points > 0 and "1 open case" in history.detail

    asyncio.run(RasaClient.from_settings(careline_stack.settings).hand_back(
        conversation_id=conversation, text="I've chased the engineers for you."))

    before = len(careline_stack.standin_messages(OLIVIA))
    asked = _say(careline_stack, "sms", "any news on my fault?", replies=2)
    assert "no open problem" not in " ".join(asked).lower()
    assert "account number" not in " ".join(asked).lower()  # one step: just the code
    code = eventually_90(lambda: next(iter(re.findall(r"\b(\d{6})\b", " ".join(
        m["body"] for m in careline_stack.standin_messages(OLIVIA)[before:]))), None))
    answer = " ".join(_say(careline_stack, "sms", code, replies=3))
    assert CASE in answer and "restart" not in answer.lower()


def test_olivia_on_whatsapp_is_verified_and_hears_her_case_at_once(
        careline_stack: CarelineStack):
    replies = " ".join(_say(careline_stack, "whatsapp", "I have no signal at home", replies=3))
    assert CASE in replies and "restart" not in replies.lower()
    assert "account number" not in replies.lower()
