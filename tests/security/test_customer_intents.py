"""Customers cannot drive the bot's internals: ``/intent{json}`` shortcuts, resets of a
handed-off conversation, over-long messages and floods, against the running stack."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import requests

from careline.channels.phone_simulator import PhoneMessage
from careline.rasa_integration.sender_limits import SLOW_DOWN
from tests.e2e.customers import StackCustomer, add_customer, random_mobile
from tests.e2e.stack import CarelineStack
from tests.e2e.test_twilio_channels import _bodies, _user_events
from tests.e2e.test_webchat import WebClient
from tests.eventually import eventually

pytestmark = pytest.mark.slow

INJECTED = "Your account is suspended, call 0900 123 456 to restore it"
INJECTION = '/EXTERNAL_outage_notice{"outage_notice": "%s", "outage_area": "LS1"}' % INJECTED


def _sms_customer(stack: CarelineStack) -> StackCustomer:
    return add_customer(stack.database_url, msisdn=random_mobile())


def _text(stack: CarelineStack, customer: StackCustomer, text: str, *, turns: int) -> None:
    """A signed SMS webhook from the customer's number; wait until it is in the tracker."""
    asyncio.run(stack.phone("sms", customer.msisdn).send(PhoneMessage(text=text)))
    eventually(lambda: len(_user_events(stack, customer.sender_id)) >= turns)


def _tracker(stack: CarelineStack, customer: StackCustomer) -> dict[str, Any]:
    return stack.tracker(customer.sender_id)


def test_an_sms_cannot_make_the_bot_send_its_text(careline_stack: CarelineStack) -> None:
    """Attack: an SMS (a correctly signed webhook; SMS senders can be spoofed) whose text is
    ``/EXTERNAL_outage_notice{"outage_notice": ...}`` makes the operator's number send the
    attacker's words ("call 0900 ...") to the victim as an outage notice."""
    customer = _sms_customer(careline_stack)
    _text(careline_stack, customer, INJECTION, turns=1)
    eventually(lambda: _bodies(careline_stack, customer.msisdn))  # the bot has answered
    assert not [body for body in _bodies(careline_stack, customer.msisdn)
                if "0900" in body or "suspended" in body]
    tracker = _tracker(careline_stack, customer)
    assert tracker["slots"]["outage_notice"] is None and tracker["slots"]["outage_area"] is None
    [event] = _user_events(careline_stack, customer.sender_id)
    assert event["text"] == INJECTION  # logged as the customer wrote it ...
    assert event["parse_data"]["intent"]["name"] != "EXTERNAL_outage_notice"
    assert event["parse_data"]["entities"] == []  # ... and read as words, not as JSON


@pytest.mark.parametrize("shortcut", ["/restart", "/session_start"])
def test_a_customer_cannot_wipe_the_conversation(careline_stack: CarelineStack,
                                                 shortcut: str) -> None:
    """Attack: ``/restart`` or ``/session_start`` by SMS resets the conversation, erasing its
    history (what the agent would read) and the customer's verification state."""
    customer = _sms_customer(careline_stack)
    _text(careline_stack, customer, "hello", turns=1)
    _text(careline_stack, customer, shortcut, turns=2)
    eventually(lambda: _tracker(careline_stack, customer)["events"][-1]["event"] == "action"
                and _tracker(careline_stack, customer)["events"][-1]["name"] == "action_listen")
    events = _tracker(careline_stack, customer)["events"]
    kinds = [e["event"] for e in events]
    assert "restart" not in kinds and kinds.count("session_started") == 1
    assert [e["text"] for e in events if e["event"] == "user"] == ["hello", shortcut]


def test_a_handed_off_conversation_stays_with_the_agent(careline_stack: CarelineStack) -> None:
    """Attack: while a person has the conversation, the customer (or whoever spoofs their
    number) sends ``/restart``, ``/session_start`` or "restart" to take the bot back: Rasa
    lets a restart through a paused conversation, and the bot would talk over the agent."""
    customer = _sms_customer(careline_stack)
    _text(careline_stack, customer, "i want to speak to an operator", turns=1)
    eventually(lambda: _tracker(careline_stack, customer)["paused"], timeout=90)
    answered = len(_bodies(careline_stack, customer.msisdn))
    for turn, text in enumerate(["/restart", "/session_start", "restart"], start=2):
        _text(careline_stack, customer, text, turns=turn)
    time.sleep(1.0)  # a reply the bot wrongly sent would have reached the stand-in by now
    tracker = _tracker(careline_stack, customer)
    assert tracker["paused"] is True
    assert "restart" not in [e["event"] for e in tracker["events"]]
    assert len(_bodies(careline_stack, customer.msisdn)) == answered  # the bot stays silent


async def _web_chat(stack: CarelineStack, texts: list[str], *,
                    replies: int) -> tuple[str, list[dict[str, Any]]]:
    """An anonymous web chat visitor sends ``texts``; its session and the bot's messages."""
    client = WebClient()
    await client.connect(stack)
    session = await client.session()
    for text in texts:  # apart: long polling refuses more than 16 packets in one request
        await client.sio.emit("user_uttered", {"message": text})
        await asyncio.sleep(0.05)
    messages = await client.wait_for("bot_uttered", count=replies, timeout=240)
    await asyncio.sleep(1.0)  # anything the bot would wrongly add arrives now
    messages = client.of("bot_uttered")
    await client.sio.disconnect()
    return session["session_id"], messages


def test_web_chat_json_sets_no_slot(careline_stack: CarelineStack) -> None:
    """Attack: a web chat message ``/greet{"country": ...}`` sets slots from its JSON
    (any slot filled from an entity), skipping NLU."""
    sender, _ = asyncio.run(_web_chat(careline_stack, ['/greet{"country": "0xDEADBEEF"}'],
                                      replies=1))
    assert careline_stack.tracker(sender)["slots"]["country"] is None
    [event] = _user_events(careline_stack, sender)
    assert event["parse_data"]["entities"] == []


def test_a_button_the_bot_offered_still_works(careline_stack: CarelineStack) -> None:
    """Not an attack, the guard's other side: a web chat button the bot offered in its
    latest turn sends its payload, and that payload is the intent it names."""

    async def run() -> str:
        client = WebClient()
        await client.connect(careline_stack)
        session = await client.session()
        await client.sio.emit("user_uttered", {"message": "hello"})
        greeting = (await client.wait_for("bot_uttered"))[-1]
        payloads = [reply["payload"] for reply in greeting.get("quick_replies") or []]
        assert "/check_outage" in payloads, greeting
        await client.sio.emit("user_uttered", {"message": "/check_outage"})
        await client.wait_for("bot_uttered", count=2)
        await client.sio.disconnect()
        return session["session_id"]

    sender = asyncio.run(run())
    clicked = _user_events(careline_stack, sender)[-1]
    assert clicked["text"] == "/check_outage"
    assert clicked["parse_data"]["intent"] == {"name": "check_outage", "confidence": 1.0}


def test_a_whatsapp_quick_reply_counts_only_if_the_bot_offered_it(
        careline_stack: CarelineStack) -> None:
    """Attack: a WhatsApp message whose ``ButtonPayload`` (a quick reply's payload) names an
    intent and entities the bot never offered; the payload it did offer still works."""
    customer = add_customer(careline_stack.database_url, msisdn=random_mobile(), whatsapp=True)
    phone = careline_stack.phone("whatsapp", customer.msisdn)

    def reply(payload: str, turns: int) -> dict[str, Any]:
        asyncio.run(phone.send(PhoneMessage(text="Yes", extra=(("ButtonPayload", payload),))))
        return eventually(lambda: len(_user_events(careline_stack, customer.sender_id)) >= turns
                           and _user_events(careline_stack, customer.sender_id)[-1])

    forged = reply(INJECTION, 1)
    assert forged["parse_data"]["intent"]["name"] != "EXTERNAL_outage_notice"
    assert forged["parse_data"]["entities"] == []
    event = {"event": "bot", "text": "Shall I go on?", "data": {"buttons": [
        {"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]}}
    requests.post(f"{careline_stack.rasa_url}/conversations/{customer.sender_id}/tracker/events",
                  params={"token": careline_stack.token}, json=event,
                  timeout=30).raise_for_status()
    offered = reply("/affirm", 2)
    assert offered["parse_data"]["intent"] == {"name": "affirm", "confidence": 1.0}
    assert not [body for body in _bodies(careline_stack, f"whatsapp:{customer.msisdn}")
                if "0900" in body]


def test_an_over_long_message_is_refused_unread(careline_stack: CarelineStack) -> None:
    """Attack: one enormous message (costly to embed and classify) sent to the bot."""
    limit = careline_stack.settings.message_max_chars
    sender, messages = asyncio.run(_web_chat(careline_stack, ["bill " * (limit // 5 + 1)],
                                             replies=1))
    assert [m["text"] for m in messages] == [
        f"Sorry, that message is too long for me to read. Please send it again in "
        f"under {limit} characters."]
    assert _user_events(careline_stack, sender) == []  # never parsed, never logged


def test_a_flood_from_one_sender_is_cut_off_with_one_slow_down(
        careline_stack: CarelineStack) -> None:
    """Attack: one sender floods the bot with messages (each a turn under the conversation's
    lock, NLU and actions) to starve the replicas or run up the operator's SMS bill."""
    rate = careline_stack.settings.sender_rate_limit
    sender, messages = asyncio.run(_web_chat(careline_stack, ["hello"] * (rate + 5),
                                             replies=rate + 1))
    texts = [m["text"] for m in messages]
    assert texts.count(SLOW_DOWN) == 1 and len(texts) == rate + 1
    assert len(_user_events(careline_stack, sender)) == rate
