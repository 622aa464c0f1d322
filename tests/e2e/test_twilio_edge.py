"""The Twilio edge in front of a real Rasa server (the stack's own, as ``careline run``
starts it): a signed webhook is acknowledged by the edge, its turn relayed to the channel's
``/turn`` route on Rasa, and the replies sent through the real twilio client to the
stand-in, each recorded with its conversation."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

import pytest
from aiohttp import web

from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.channels.store import ChannelStore
from careline.channels.turn_relay import RasaRelay
from careline.channels.twilio_gateway import build_app
from careline.channels.apology import APOLOGY
from careline.db.session import get_engine
from careline.settings import Settings
from tests.e2e.customers import random_mobile
from tests.e2e.stack import CarelineStack, free_port

pytestmark = pytest.mark.slow


async def _edge(stack: CarelineStack, *, rasa_url: str) -> AsyncIterator[Settings]:
    """A second edge on its own port relaying to ``rasa_url``; yields the settings a phone
    needs to text it (Twilio signs the edge's public URL)."""
    port = free_port()
    settings = stack.settings.copy(update={"public_url": f"http://127.0.0.1:{port}",
                                           "edge_url": f"http://127.0.0.1:{port}"})
    relay = RasaRelay(rasa_url=rasa_url, token=stack.token, timeout_seconds=60)
    app = build_app(settings, store=ChannelStore(get_engine(stack.database_url)), relay=relay)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield settings
    finally:
        await runner.cleanup()


async def _conversation(phone: Phone, texts: list[str]) -> list[list[str]]:
    """Each text sent in turn; the replies to each."""
    known: set[str] = set()
    answers = []
    for text in texts:
        assert (await phone.send(PhoneMessage(text=text))).status == 200
        replies = await phone.wait_for_replies(known=known, timeout=60, quiet=1.5)
        known |= {m["sid"] for m in replies}
        answers.append([m["body"] for m in replies])
    return answers


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
async def test_a_conversation_through_the_edge_is_answered_and_recorded(
        careline_stack: CarelineStack, channel: str) -> None:
    texts = ["hello", "what can you do", "is there an outage near me"]
    number = random_mobile()
    answers = await _conversation(careline_stack.phone(channel, number), texts)
    assert all(answers)
    events = careline_stack.tracker(number)["events"]
    users = [e for e in events if e["event"] == "user"]
    assert [e["text"] for e in users] == texts
    assert {e["input_channel"] for e in users} == {channel}
    store = ChannelStore(get_engine(careline_stack.database_url))
    sent = {m["sid"] for m in careline_stack.standin_messages(
        f"whatsapp:{number}" if channel == "whatsapp" else number)}
    recorded = {d.message_sid: d.sender_id for d in store.deliveries(to_address=number)}
    assert recorded == {sid: number for sid in sent}  # each reply with its conversation


async def test_a_turn_rasa_cannot_take_is_apologised_for(
        careline_stack: CarelineStack) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    async for settings in _edge(careline_stack, rasa_url=nowhere):
        number = random_mobile()
        answers = await _conversation(Phone(settings=settings, channel="sms", number=number),
                                      ["what's my balance"])
    assert answers == [[APOLOGY]]
    assert not [e for e in careline_stack.tracker(number)["events"] if e["event"] == "user"]


async def test_duplicate_webhooks_to_the_edge_run_one_turn(
        careline_stack: CarelineStack) -> None:
    number = random_mobile()
    phone = careline_stack.phone("sms", number)
    message = PhoneMessage(text="hello", message_sid="SM" + "e" * 32)
    results = await asyncio.gather(*(phone.send(message) for _ in range(3)))
    replies = await phone.wait_for_replies(known=set(), timeout=60, quiet=2.0)
    assert sorted(r.duplicate for r in results) == [False, True, True]
    assert replies
    users = [e for e in careline_stack.tracker(number)["events"] if e["event"] == "user"]
    assert [e["message_id"] for e in users] == [message.message_sid]
