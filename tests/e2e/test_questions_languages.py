"""Issue #21 over SMS and WhatsApp: two questions in one message get the two answers each
gets alone (sign-in kept for the account one), Welsh and Polish get a reply in their own
language, and a thumbs-up, an angry face and an empty message each get a sensible answer."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.channels.apology import APOLOGY
from careline.profile import models
from tests.e2e.customers import add_customer, random_mobile
from tests.e2e.stack import CarelineStack
from tests.e2e.test_money_dates_keywords import rows, say

pytestmark = pytest.mark.slow

EMMA_WHATSAPP = "+447700900105"
TWO_QUESTIONS = "what's my balance and is there an outage in LS6?"
OUT_OF_SCOPE = "not something I can help with"


def user_turns(stack: CarelineStack, sender_id: str) -> list[tuple[str, str]]:
    events = stack.tracker(sender_id)["events"]
    return [(e["text"], e["parse_data"]["intent"]["name"]) for e in events
            if e["event"] == "user"]


async def replies(phone: Phone, text: str) -> list[str]:
    """Every reply one message got (the stand-in orders replies of one second arbitrarily,
    as Twilio's second-resolution dates do, so callers compare them as a multiset)."""
    known = {m["sid"] for m in await phone.received()}
    assert (await phone.send(PhoneMessage(text=text))).status == 200
    got = [m["body"] for m in await phone.wait_for_replies(known=known, timeout=60)]
    assert got and APOLOGY not in got, (text, got)
    return got


def test_two_questions_get_the_answers_each_gets_alone(careline_stack: CarelineStack):
    phone = careline_stack.phone("whatsapp", EMMA_WHATSAPP)

    async def conversation() -> tuple[list[str], list[str], list[str]]:
        return (await replies(phone, "what's my balance"),
                await replies(phone, "is there an outage in LS6?"),
                await replies(phone, TWO_QUESTIONS))

    balance, outage, both = asyncio.run(conversation())
    assert any("You owe" in r or "all paid up" in r for r in balance), balance
    assert Counter(both) == Counter(balance + outage)


def test_the_account_half_still_needs_sign_in_the_public_half_does_not(
        careline_stack: CarelineStack):
    customer = add_customer(careline_stack.database_url, msisdn=random_mobile())
    phone = careline_stack.phone("sms", customer.msisdn)
    reply = asyncio.run(say(phone, TWO_QUESTIONS))
    [(area,)] = rows(careline_stack, select(models.NetworkArea.name)
                     .where(models.NetworkArea.code == "LS6"))
    assert "You owe" not in reply and area in reply, reply
    turns = user_turns(careline_stack, customer.sender_id)
    assert [text for text, _ in turns[-2:]] == ["what's my balance",
                                                "is there an outage in LS6?"]
    assert turns[-2][1] != turns[-1][1]
    bots = [e.get("text") for e in careline_stack.tracker(customer.sender_id)["events"]
            if e["event"] in ("user", "bot")]
    asked = bots.index("what's my balance")
    public = bots.index("is there an outage in LS6?")
    assert asked < public and not any(area in (t or "") for t in bots[asked:public])
    assert any(area in (t or "") for t in bots[public:])


@pytest.mark.parametrize("channel, text, said", [
    ("sms", "Mae fy mil yn rhy uchel", "dim ond yn Saesneg"),
    ("whatsapp", "Dlaczego mój rachunek jest taki wysoki?", "tylko po angielsku")])
def test_another_language_is_answered_in_it(careline_stack: CarelineStack, channel: str,
                                            text: str, said: str):
    reply = asyncio.run(say(careline_stack.phone(channel, random_mobile()), text))
    assert said in reply and "why is my bill so high?" in reply, reply
    assert OUT_OF_SCOPE not in reply


async def _blank(phone: Phone) -> str:
    known = {m["sid"] for m in await phone.received()}
    assert (await phone.send(PhoneMessage(text=""))).status == 200
    replies = [m["body"] for m in await phone.wait_for_replies(known=known, timeout=60)]
    assert replies and APOLOGY not in replies, replies
    return " ".join(replies)


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_emoji_and_empty_messages_get_sensible_answers(careline_stack: CarelineStack,
                                                       channel: str):
    customer = add_customer(careline_stack.database_url, msisdn=random_mobile(),
                            whatsapp=channel == "whatsapp")
    phone = careline_stack.phone(channel, customer.msisdn)

    async def conversation() -> list[str]:
        return [await say(phone, "hi"), await say(phone, "👍"), await _blank(phone),
                await say(phone, "😡")]

    _, thumbs_up, blank, angry = asyncio.run(conversation())
    assert "Glad that helps" in thumbs_up, thumbs_up
    assert "came through empty" in blank, blank
    assert OUT_OF_SCOPE not in angry
    intents = [intent for _, intent in user_turns(careline_stack, customer.sender_id)]
    assert intents[-3:] == ["acknowledge", "blank_message", "frustration"]
