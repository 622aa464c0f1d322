"""The inbound journal on both backends: a signed webhook is journalled as it is claimed,
answered once its replies are handed to the sender, and re-driven exactly once by another
process when the one running its turn died. Real webhooks, stand-in, databases."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import AsyncIterator, Awaitable, Callable
from urllib.parse import urlencode

import pytest
import time_machine
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from careline import clock
from careline.channels.phone_channel import PhoneChannel
from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.channels.schemas import TwilioInbound
from careline.channels.store import ChannelStore
from careline.channels.twilio_turns import PhoneTurn, WebhookRequest
from careline.settings import Settings
from tests.conftest import RunningStandin

NUMBER = "+447700900123"
LATER = timedelta(minutes=2)  # past the default 60 s lease

Run = Callable[[PhoneTurn], Awaitable[None]]


@pytest.fixture()
async def channels(settings_for: Settings,
                   backend_store: ChannelStore) -> AsyncIterator[tuple[PhoneChannel, PhoneChannel]]:
    """Two processes serving SMS on one database: the one that dies, the one that recovers."""
    pair = tuple(PhoneChannel("sms", settings=settings_for, store=backend_store,
                            from_number="+15005550006") for _ in range(2))
    yield pair  # type: ignore[misc]
    for channel in pair:
        await channel.sender.close()


def _webhook(settings: Settings, message: PhoneMessage) -> WebhookRequest:
    phone = Phone(settings=settings, channel="sms", number=NUMBER)
    form = phone.webhook_form(message)
    return WebhookRequest(path=phone.path, query_string="",
                          content_type="application/x-www-form-urlencoded",
                          body=urlencode(form).encode(), signature=phone.signature(form),
                          idempotency_token=None)


def _replying(seen: list[PhoneTurn], reply: str = "You owe £12.40.") -> Run:
    async def on_new_message(message: PhoneTurn) -> None:
        seen.append(message)
        await message.output_channel.send_text_message(message.sender_id, reply)
    return on_new_message


async def _never_answers(_: PhoneTurn) -> None:
    await asyncio.Event().wait()  # the process dies before the turn ends


async def test_a_turn_cut_off_after_the_acknowledgement_is_answered_once_by_another_process(
        channels, settings_for: Settings, backend_store: ChannelStore,
        standin: RunningStandin) -> None:
    dying, recovering = channels
    message = PhoneMessage(text="what do I owe?", message_sid="SMjournal1",
                           media=(("https://media.example/bill.jpg", "image/jpeg"),))
    answer = await dying.turns.accept(_webhook(settings_for, message), _never_answers)
    assert answer.status == 200
    received = backend_store.inbound_state(message_sid="SMjournal1")
    assert (received.state, received.redrives, received.holds_message) == ("received", 0, True)
    for task in list(dying.turns._tasks):  # killed: the turn never finishes
        task.cancel()
    await dying.turns.drain(5)
    assert backend_store.inbound_state(message_sid="SMjournal1").state == "received"

    seen: list[PhoneTurn] = []
    assert await recovering.turns.redrive_stale(_replying(seen)) == 0  # its lease still runs
    with time_machine.travel(clock.now() + LATER, tick=True):
        assert await recovering.turns.redrive_stale(_replying(seen)) == 1
        await recovering.turns.drain(30)
        assert await recovering.turns.redrive_stale(_replying(seen)) == 0  # answered now
    [turn] = seen
    assert (turn.text, turn.message_id, turn.input_channel) == ("what do I owe?", "SMjournal1",
                                                                "sms")
    assert turn.metadata["media"] == [{"url": "https://media.example/bill.jpg",
                                       "content_type": "image/jpeg"}]
    assert turn.metadata["address"] == NUMBER
    assert standin.texts_to(NUMBER) == ["You owe £12.40."]
    answered = backend_store.inbound_state(message_sid="SMjournal1")
    assert (answered.state, answered.redrives, answered.holds_message) == ("answered", 1, False)
    assert [d.correlation_id for d in backend_store.deliveries(to_address=NUMBER)] == [
        "SMjournal1"]


async def test_an_answered_message_is_never_redriven_nor_a_retried_webhook_run(
        channels, settings_for: Settings, backend_store: ChannelStore,
        standin: RunningStandin) -> None:
    first, other = channels
    seen: list[PhoneTurn] = []
    webhook = _webhook(settings_for, PhoneMessage(text="hello", message_sid="SMjournal2"))
    assert (await first.turns.accept(webhook, _replying(seen, "Hi!"))).status == 200
    await first.turns.drain(30)
    answered = backend_store.inbound_state(message_sid="SMjournal2")
    assert (answered.state, answered.holds_message) == ("answered", False)
    assert answered.answered_at is not None and answered.lease_until is None
    retry = await other.turns.accept(webhook, _replying(seen))
    assert retry.duplicate
    with time_machine.travel(clock.now() + LATER, tick=True):
        for channel in channels:
            assert await channel.turns.redrive_stale(_replying(seen)) == 0
    assert len(seen) == 1 and standin.texts_to(NUMBER) == ["Hi!"]


async def test_a_turn_that_failed_and_apologised_is_answered_not_redriven(
        channels, settings_for: Settings, backend_store: ChannelStore,
        standin: RunningStandin) -> None:
    first, other = channels

    async def rasa_down(_: PhoneTurn) -> None:
        raise RuntimeError("Rasa answered the relayed turn with 502")

    webhook = _webhook(settings_for, PhoneMessage(text="hello", message_sid="SMjournal3"))
    await first.turns.accept(webhook, rasa_down)
    await first.turns.drain(30)
    assert backend_store.inbound_state(message_sid="SMjournal3").state == "answered"
    with time_machine.travel(clock.now() + LATER, tick=True):
        assert await other.turns.redrive_stale(rasa_down) == 0
    assert len(standin.texts_to(NUMBER)) == 1  # the apology, once


async def test_a_turn_running_longer_than_its_lease_keeps_it_and_is_not_redriven(
        settings_for: Settings, backend_store: ChannelStore, standin: RunningStandin) -> None:
    settings = settings_for.copy(update={"redrive_after_seconds": 3.0})
    running, other = (PhoneChannel("sms", settings=settings, store=backend_store,
                                 from_number="+15005550006") for _ in range(2))
    release, seen = asyncio.Event(), []

    async def slow(message: PhoneTurn) -> None:  # an action that takes its time
        await release.wait()
        await _replying(seen, "Done.")(message)

    webhook = _webhook(settings, PhoneMessage(text="hello", message_sid="SMjournal4"))
    try:
        await running.turns.accept(webhook, slow)
        loop = asyncio.get_running_loop()
        window, taken = loop.time() + 3 * settings.redrive_after_seconds, 0
        while loop.time() < window:  # the other process looks, again and again
            taken += await other.turns.redrive_stale(_replying(seen))
            await asyncio.sleep(0.25)
        release.set()
        await running.turns.drain(30)
    finally:
        for channel in (running, other):
            await channel.sender.close()
    assert taken == 0 and len(seen) == 1 and standin.texts_to(NUMBER) == ["Done."]
    assert backend_store.inbound_state(message_sid="SMjournal4").state == "answered"


def test_takers_racing_take_each_stale_message_once(backend_engine: Engine) -> None:
    """Two recovery loops (own engines, own connections) take the same stale rows at once."""
    url = backend_engine.url
    engines = [create_engine(url, future=True) for _ in range(2)]
    try:
        stores = [ChannelStore(engine) for engine in engines]
        for round_ in range(5):
            sids = {f"SMrace{round_}x{i}" for i in range(12)}
            for sid in sids:
                stores[0].claim_inbound(
                    inbound=TwilioInbound(channel="sms", message_sid=sid, raw_from=NUMBER,
                                          body="hi"),
                    proved_by="sms_number", lease_seconds=60)
            taken: list[list[str]] = [[], []]
            start = threading.Barrier(2)

            def take(index: int, taken: list[list[str]] = taken,
                     start: threading.Barrier = start) -> None:
                start.wait()
                while entries := stores[index].take_stale(channel="sms", lease_seconds=60,
                                                          limit=4):
                    taken[index] += [e.inbound.message_sid for e in entries]

            with time_machine.travel(clock.now() + LATER, tick=True):
                threads = [threading.Thread(target=take, args=(i,)) for i in range(2)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(60)
            assert sorted(taken[0] + taken[1]) == sorted(sids)  # all taken, none twice
            assert all(stores[0].inbound_state(message_sid=sid).redrives == 1 for sid in sids)
    finally:
        for engine in engines:
            engine.dispose()


async def test_a_journalled_message_is_sealed_in_the_database(
        channels, settings_for: Settings, backend_store: ChannelStore,
        backend_engine: Engine) -> None:
    """A PIN typed at sign-in is masked in the tracker; the journal, which keeps the message
    until it is answered, must not hold it in clear either (nor in SQLite's WAL file)."""
    from sqlalchemy import text

    dying, _ = channels
    message = PhoneMessage(text="my pin is 8642", message_sid="SMjournalsealed")
    await dying.turns.accept(_webhook(settings_for, message), _never_answers)
    with backend_engine.connect() as connection:
        stored = connection.execute(text(
            "SELECT message FROM channel_inbound_messages WHERE message_sid = :sid"),
            {"sid": "SMjournalsealed"}).scalar_one()
    for task in list(dying.turns._tasks):
        task.cancel()
    await dying.turns.drain(5)
    assert stored and "8642" not in stored and "pin" not in stored
    with time_machine.travel(clock.now() + LATER, tick=True):
        [entry] = backend_store.take_stale(channel="sms", lease_seconds=60, limit=5)
    assert entry.inbound.body == "my pin is 8642"  # and the recovery loop still reads it
