"""SMS and WhatsApp end to end: signed webhooks into the real Rasa server, replies out
through the real twilio client to the stand-in. Asserts channel behaviour, not wording."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
import requests

from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.channels.store import ChannelStore
from careline.channels.apology import APOLOGY
from careline.channels.twilio_webhook import SIGNATURE_HEADER
from careline.db.session import get_engine
from tests.e2e.customers import add_customer, random_mobile
from tests.e2e.stack import CarelineStack
from tests.eventually import eventually

pytestmark = pytest.mark.slow


def _user_events(stack: CarelineStack, sender_id: str) -> list[dict]:
    return [e for e in stack.tracker(sender_id)["events"] if e["event"] == "user"]


def _bodies(stack: CarelineStack, to: str) -> list[str]:
    return [m["body"] for m in stack.standin_messages(to)]


@pytest.mark.parametrize("signature", ["", "forged-signature"])
def test_forged_or_missing_signature_is_refused_and_reaches_no_tracker(
        careline_stack: CarelineStack, signature: str):
    number = random_mobile()
    phone = careline_stack.phone("sms", number)
    result = asyncio.run(phone.send(PhoneMessage(text="what is my balance"),
                                    signature=signature))
    assert result.status == 403
    assert _user_events(careline_stack, number) == []
    assert careline_stack.standin_messages(number) == []


def test_a_signature_for_another_url_is_refused(careline_stack: CarelineStack):
    phone = careline_stack.phone("sms", random_mobile())
    form = phone.webhook_form(PhoneMessage(text="hi"))
    wrong = phone.signature(form, path="/webhooks/whatsapp/webhook")
    reply = requests.post(careline_stack.edge_url + phone.path, data=form,
                          headers={"X-Twilio-Signature": wrong}, timeout=10)
    assert reply.status_code == 403


def test_a_signed_message_is_acknowledged_with_empty_twiml_and_answered(
        careline_stack: CarelineStack):
    number = random_mobile()
    phone = careline_stack.phone("sms", number)
    form = phone.webhook_form(PhoneMessage(text="hi"))
    reply = requests.post(careline_stack.edge_url + phone.path, data=form,
                          headers={"X-Twilio-Signature": phone.signature(form)}, timeout=10)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/xml")
    assert "<Response></Response>" in reply.text
    bodies = eventually(lambda: _bodies(careline_stack, number))
    assert APOLOGY not in bodies
    [event] = _user_events(careline_stack, number)
    assert event["input_channel"] == "sms"
    assert event["metadata"]["channel"] == "sms" and event["metadata"]["address"] == number


def test_a_turns_replies_are_recorded_with_their_conversation_and_sids(
        careline_stack: CarelineStack):
    """Recorded after the turn's last reply; a status callback may have made the row before,
    without the conversation, which the turn's record then fills in."""
    number = random_mobile()
    asyncio.run(careline_stack.phone("sms", number).send(PhoneMessage(text="hi")))
    eventually(lambda: _bodies(careline_stack, number))
    store = ChannelStore(get_engine(careline_stack.database_url))

    def recorded() -> dict:
        sids = {m["sid"] for m in careline_stack.standin_messages(number)}
        held = {d.message_sid: d.sender_id for d in store.deliveries(to_address=number)}
        return held if held == {sid: number for sid in sids} else {}

    assert eventually(recorded)
    assert _user_events(careline_stack, number)  # the conversation the records name


def test_a_duplicate_message_sid_is_processed_once(careline_stack: CarelineStack):
    number = random_mobile()
    phone = careline_stack.phone("sms", number)
    message = PhoneMessage(text="hello", message_sid="SM" + "d" * 32)
    first = asyncio.run(phone.send(message))
    replies = eventually(lambda: _bodies(careline_stack, number))
    second = asyncio.run(phone.send(message))
    assert (first.duplicate, second.duplicate) == (False, True)
    assert len(_user_events(careline_stack, number)) == 1
    time.sleep(1.0)  # give a wrongly started second turn the chance to reply
    assert _bodies(careline_stack, number) == replies


def test_sms_then_whatsapp_from_one_customer_share_one_conversation(
        careline_stack: CarelineStack):
    customer = add_customer(careline_stack.database_url, msisdn=random_mobile())
    asyncio.run(careline_stack.phone("sms", customer.msisdn).send(PhoneMessage(text="hi")))
    eventually(lambda: _bodies(careline_stack, customer.msisdn))
    whatsapp_to = f"whatsapp:{customer.msisdn}"
    asyncio.run(careline_stack.phone("whatsapp", customer.msisdn).send(
        PhoneMessage(text="hello again", profile_name="Ada")))
    eventually(lambda: _bodies(careline_stack, whatsapp_to))
    events = eventually(lambda: len(_user_events(careline_stack, customer.sender_id)) == 2
                         and _user_events(careline_stack, customer.sender_id))
    assert [e["input_channel"] for e in events] == ["sms", "whatsapp"]
    assert not [e for e in events if {"customer_id", "verified"} & set(e["metadata"])]
    assert events[1]["metadata"]["profile_name"] == "Ada"
    assert events[1]["metadata"]["wa_id"] == customer.msisdn.lstrip("+")
    assert _user_events(careline_stack, customer.msisdn) == []


@pytest.mark.parametrize("message, key", [
    (PhoneMessage(media=(("https://example.com/bill.jpg", "image/jpeg"),)), "media"),
    (PhoneMessage(location=(53.8, -1.55)), "location"),
])
def test_media_only_and_location_messages_are_handled(careline_stack: CarelineStack,
                                                      message: PhoneMessage, key: str):
    number = random_mobile()
    result = asyncio.run(careline_stack.phone("whatsapp", number).send(message))
    assert result.status == 200
    bodies = eventually(lambda: _bodies(careline_stack, f"whatsapp:{number}"))
    assert APOLOGY not in bodies
    [event] = _user_events(careline_stack, number)
    assert event["parse_data"]["intent"]["name"] == "out_of_scope"
    if key == "media":
        assert event["metadata"]["media"] == [{"url": "https://example.com/bill.jpg",
                                               "content_type": "image/jpeg"}]
    else:
        assert event["metadata"]["location"]["latitude"] == 53.8


def test_fifty_concurrent_webhooks_are_all_acknowledged_and_each_answered_once(
        careline_stack: CarelineStack):
    """A burst from 50 customers: every webhook gets a 2xx (none refused or lost), every
    customer exactly one turn and exactly its one reply (``/greet``: one SMS)."""
    numbers = [random_mobile() for _ in range(50)]
    phones = [careline_stack.phone("sms", number) for number in numbers]

    async def burst() -> list[int]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
            async def post(phone: Phone) -> int:
                form = phone.webhook_form(PhoneMessage(text="/greet"))
                async with session.post(careline_stack.edge_url + phone.path, data=form,
                                        headers={SIGNATURE_HEADER: phone.signature(form)}) as reply:
                    await reply.read()
                    return reply.status
            return await asyncio.gather(*(post(phone) for phone in phones))

    statuses = asyncio.run(burst())
    assert [s for s in statuses if not 200 <= s < 300] == []

    def answered(number: str) -> bool:
        events = careline_stack.tracker(number)["events"]
        return [e["event"] for e in events if e["event"] in ("user", "bot")] == ["user", "bot"]

    eventually(lambda: all(answered(number) for number in numbers), timeout=600)
    assert {number: len(_bodies(careline_stack, number)) for number in numbers} == {
        number: 1 for number in numbers}
