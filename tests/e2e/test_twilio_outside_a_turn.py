"""Messages outside a turn: Rasa's ``output_channel=latest`` (desk, notices), delivery
status callbacks, STOP/START/HELP and :mod:`careline.channels.outbound`'s policy."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import update

from careline.channels.models import ConversationRoute
from careline.channels.outbound import Template, send_outbound
from careline.channels.phone_simulator import PhoneMessage
from careline.channels.rendering import TWILIO_BODY_LIMIT
from careline.channels.store import ChannelStore
from careline.db.session import get_engine, session_scope
from tests.e2e.customers import add_customer, random_mobile
from tests.e2e.stack import CarelineStack
from tests.e2e.test_twilio_channels import _bodies, _user_events
from tests.eventually import eventually

pytestmark = pytest.mark.slow


def _say(stack: CarelineStack, sender_id: str, text: str, buttons: list | None = None) -> None:
    """What the agent desk does: a BotUttered delivered on the customer's latest channel."""
    event = {"event": "bot", "text": text, "data": {"buttons": buttons} if buttons else {}}
    reply = requests.post(
        f"{stack.rasa_url}/conversations/{sender_id}/tracker/events",
        params={"token": stack.token, "output_channel": "latest",
                "execute_side_effects": "true"}, json=event, timeout=30)
    reply.raise_for_status()


def _customer_who_wrote(stack: CarelineStack, channel: str = "sms"):
    customer = add_customer(stack.database_url, msisdn=random_mobile(), whatsapp=True)
    to = customer.msisdn if channel == "sms" else f"whatsapp:{customer.msisdn}"
    asyncio.run(stack.phone(channel, customer.msisdn).send(PhoneMessage(text="hi")))
    eventually(lambda: _bodies(stack, to))
    return customer, to


def test_a_2000_character_answer_arrives_in_parts_within_the_limit(careline_stack):
    customer, to = _customer_who_wrote(careline_stack)
    before = len(_bodies(careline_stack, to))
    text = " ".join(f"Line {i} of your bill is explained in this sentence." for i in range(45))
    assert len(text) > 2000
    _say(careline_stack, customer.sender_id, text)
    parts = eventually(lambda: len(_bodies(careline_stack, to)) >= before + 2
                        and _bodies(careline_stack, to)[before:])
    assert len(parts) == 2
    assert all(len(part) <= TWILIO_BODY_LIMIT for part in parts)
    assert " ".join(parts) == text


def test_buttons_are_numbered_on_sms_and_a_digit_picks_one(careline_stack):
    customer, to = _customer_who_wrote(careline_stack)
    _say(careline_stack, customer.sender_id, "Shall I go on?",
         buttons=[{"title": "Yes please", "payload": "/affirm"},
                  {"title": "No, bye", "payload": "/goodbye"}])
    shown = eventually(lambda: [b for b in _bodies(careline_stack, to) if "Shall I" in b])
    assert "1. Yes please" in shown[0] and "2. No, bye" in shown[0]
    asyncio.run(careline_stack.phone("sms", customer.msisdn).send(PhoneMessage(text="2")))
    events = eventually(lambda: len(_user_events(careline_stack, customer.sender_id)) == 2
                         and _user_events(careline_stack, customer.sender_id))
    assert events[-1]["text"] == "/goodbye"
    assert events[-1]["parse_data"]["intent"]["name"] == "goodbye"


def test_replies_go_to_the_channel_the_customer_last_used(careline_stack):
    customer, sms_to = _customer_who_wrote(careline_stack, "sms")
    asyncio.run(careline_stack.phone("whatsapp", customer.msisdn).send(
        PhoneMessage(text="hello")))
    whatsapp_to = f"whatsapp:{customer.msisdn}"
    eventually(lambda: _bodies(careline_stack, whatsapp_to))
    sms_before = _bodies(careline_stack, sms_to)
    _say(careline_stack, customer.sender_id, "An agent here: your engineer comes tomorrow.")
    eventually(lambda: any("engineer" in b for b in _bodies(careline_stack, whatsapp_to)))
    assert _bodies(careline_stack, sms_to) == sms_before


def test_failed_deliveries_are_recorded_from_signed_status_callbacks(careline_stack):
    number = random_mobile()
    requests.post(f"{careline_stack.standin_url}/_standin/faults",
                  json={"undeliverable": {number: 30003}}, timeout=10).raise_for_status()
    asyncio.run(careline_stack.phone("sms", number).send(PhoneMessage(text="hi")))
    store = ChannelStore(get_engine(careline_stack.database_url))
    failed = eventually(lambda: [d for d in store.deliveries(to_address=number)
                                  if d.status == "undelivered"])
    assert failed[0].error_code == "30003"


def test_a_forged_status_callback_is_refused(careline_stack):
    reply = requests.post(f"{careline_stack.settings.edge_url}/webhooks/sms/status",
                          data={"MessageSid": "SMforged", "MessageStatus": "delivered"},
                          headers={"X-Twilio-Signature": "nope"}, timeout=10)
    assert reply.status_code == 403
    store = ChannelStore(get_engine(careline_stack.database_url))
    assert all(d.message_sid != "SMforged" for d in store.deliveries())


def test_stop_opts_out_and_no_proactive_message_is_sent(careline_stack):
    customer = add_customer(careline_stack.database_url, msisdn=random_mobile())
    phone = careline_stack.phone("sms", customer.msisdn)
    asyncio.run(phone.send(PhoneMessage(text="STOP")))
    eventually(lambda: any("START" in b for b in _bodies(careline_stack, customer.msisdn)))
    assert _user_events(careline_stack, customer.sender_id) == []  # STOP never reaches the bot
    sent_before = len(_bodies(careline_stack, customer.msisdn))
    result = asyncio.run(send_outbound(channel="sms", address=customer.msisdn,
                                       text="Outage in your area.",
                                       settings=careline_stack.settings))
    assert not result.sent and "opted out" in result.reason
    assert len(_bodies(careline_stack, customer.msisdn)) == sent_before

    asyncio.run(phone.send(PhoneMessage(text="START")))
    eventually(lambda: len(_bodies(careline_stack, customer.msisdn)) == sent_before + 1)
    result = asyncio.run(send_outbound(channel="sms", address=customer.msisdn,
                                       text="Outage in your area.",
                                       settings=careline_stack.settings))
    assert result.sent
    assert _bodies(careline_stack, customer.msisdn)[-1] == "Outage in your area."


def test_help_answers_without_reaching_the_bot(careline_stack):
    number = random_mobile()
    asyncio.run(careline_stack.phone("sms", number).send(PhoneMessage(text="HELP")))
    bodies = eventually(lambda: _bodies(careline_stack, number))
    assert "STOP" in bodies[0]
    assert _user_events(careline_stack, number) == []


def test_whatsapp_outside_24_hours_only_sends_templates(careline_stack):
    customer, to = _customer_who_wrote(careline_stack, "whatsapp")
    text = "Your outage is fixed."
    inside = asyncio.run(send_outbound(channel="whatsapp", address=customer.msisdn, text=text,
                                       settings=careline_stack.settings))
    assert inside.sent
    with session_scope(get_engine(careline_stack.database_url)) as session:
        session.execute(update(ConversationRoute)
                        .where(ConversationRoute.sender_id == customer.sender_id)
                        .values(last_inbound_at=datetime.now(timezone.utc) - timedelta(hours=25)))
    sent_before = len(_bodies(careline_stack, to))
    outside = asyncio.run(send_outbound(channel="whatsapp", address=customer.msisdn, text=text,
                                        settings=careline_stack.settings))
    assert not outside.sent and "24-hour" in outside.reason
    assert len(_bodies(careline_stack, to)) == sent_before
    templated = asyncio.run(send_outbound(
        channel="whatsapp", address=customer.msisdn, settings=careline_stack.settings,
        template=Template(content_sid="HX" + "0" * 32, variables={"1": "Leeds"})))
    assert templated.sent
    last = careline_stack.standin_messages(to)[-1]
    assert last["content_sid"] == "HX" + "0" * 32


def test_unknown_numbers_get_no_proactive_message(careline_stack):
    number = random_mobile()
    result = asyncio.run(send_outbound(channel="sms", address=number, text="Hello",
                                       settings=careline_stack.settings))
    assert not result.sent and careline_stack.standin_messages(number) == []
