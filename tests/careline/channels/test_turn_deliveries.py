"""A turn's deliveries: recorded together after its last reply, in one transaction;
outside a turn each send is recorded at once. Real twilio client, stand-in, databases."""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from careline.channels.conversation_key import customer_sender_id
from careline.channels.phone_channel import PhoneChannel
from careline.channels.schemas import TwilioInbound
from careline.channels.store import ChannelStore
from careline.channels.twilio_output import SmsOutput
from careline.channels.apology import APOLOGY
from careline.channels.twilio_turns import PhoneTurn
from careline.settings import Settings

NUMBER = "+447700900123"


class DeliveryWrites:
    """For each committed transaction on ``engine`` that wrote channel_deliveries, how
    many rows it wrote (``transactions``) and whether it marked a message answered."""

    def __init__(self, engine: Engine) -> None:
        self.transactions: list[int] = []
        self.marked_answered: list[bool] = []
        self._pending: dict[int, int] = defaultdict(int)
        self._answering: set[int] = set()
        self._engine = engine
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, conn: Any, _cursor: Any, statement: str, parameters: Any,
                   _context: Any, executemany: bool) -> None:
        if "INSERT INTO channel_deliveries" in statement:
            self._pending[id(conn)] += len(parameters) if executemany else 1
        if "SET state = 'answered'" in statement:
            self._answering.add(id(conn))

    def _commit(self, conn: Any) -> None:
        answering = id(conn) in self._answering
        self._answering.discard(id(conn))
        if self._pending.get(id(conn)):
            self.transactions.append(self._pending.pop(id(conn)))
            self.marked_answered.append(answering)

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._statement)
        event.remove(self._engine, "commit", self._commit)


@pytest.fixture()
def writes(backend_engine: Engine) -> Iterator[DeliveryWrites]:
    counter = DeliveryWrites(backend_engine)
    yield counter
    counter.close()


@pytest.fixture()
async def channel(settings_for: Settings, backend_store: ChannelStore) -> AsyncIterator[PhoneChannel]:
    sms = PhoneChannel("sms", settings=settings_for, store=backend_store, from_number="+15005550006")
    yield sms
    await sms.sender.close()


def _inbound(body: str = "what is my balance") -> TwilioInbound:
    return TwilioInbound(channel="sms", message_sid="SMinbound1", raw_from=NUMBER, body=body)


def _turn(replies: list[str], *, then: Callable[[PhoneTurn], Awaitable[None]] | None = None,
          seen: list[PhoneTurn]) -> Callable[[PhoneTurn], Awaitable[None]]:
    """What Rasa does with the message: ``replies`` through the turn's output, then ``then``."""
    async def on_new_message(message: PhoneTurn) -> None:
        seen.append(message)
        for reply in replies:
            await message.output_channel.send_text_message(message.sender_id, reply)
        if then is not None:
            await then(message)
    return on_new_message


def _rows(store: ChannelStore) -> list[tuple]:
    return [(d.message_sid, d.sender_id, d.to_address, d.status)
            for d in store.deliveries()]


async def test_a_turns_replies_are_recorded_in_one_transaction_after_the_last(
        channel, backend_store, writes, standin):
    seen: list[PhoneTurn] = []

    async def nothing_recorded_yet(_: PhoneTurn) -> None:
        assert backend_store.deliveries() == []  # no write between the replies

    await channel.turns.turn(_inbound(), _turn(["First.", "Second."], then=nothing_recorded_yet,
                                          seen=seen))
    [message] = seen
    assert [m.body for m in standin.state.messages] == ["First.", "Second."]
    assert _rows(backend_store) == [(m.sid, message.sender_id, NUMBER, "queued")
                                    for m in standin.state.messages]
    assert writes.transactions == [2]
    # a send after the turn (a reminder Rasa scheduled with its output) is recorded at once
    await message.output_channel.send_text_message(message.sender_id, "Reminder.")
    assert len(backend_store.deliveries()) == 3 and writes.transactions == [2, 1]


async def test_a_turns_end_records_its_replies_and_marks_it_answered_in_one_commit(
        channel, backend_store, writes, standin):
    assert backend_store.claim_inbound(inbound=_inbound(), proved_by="sms_number",
                                       lease_seconds=60)
    await channel.turns.turn(_inbound(), _turn(["First.", "Second."], seen=[]))
    assert (writes.transactions, writes.marked_answered) == ([2], [True])
    state = backend_store.inbound_state(message_sid="SMinbound1")
    assert state is not None and (state.state, state.holds_message) == ("answered", False)


async def test_a_status_callback_before_the_turns_write_keeps_its_newer_status(
        channel, backend_store, standin):
    async def delivered_at_once(_: PhoneTurn) -> None:
        backend_store.update_status(message_sid=standin.state.messages[0].sid,
                                    status="delivered", error_code=None, error_message=None,
                                    channel="sms", to_address=NUMBER)

    seen: list[PhoneTurn] = []
    await channel.turns.turn(_inbound(), _turn(["Your balance is £12.40."], then=delivered_at_once,
                                          seen=seen))
    [record] = backend_store.deliveries()
    assert (record.message_sid, record.status, record.sender_id, record.attempts) == (
        standin.state.messages[0].sid, "delivered", seen[0].sender_id, 1)


async def test_a_turn_that_fails_after_a_reply_records_it_and_the_apology(
        channel, backend_store, writes, standin):
    async def action_server_down(_: PhoneTurn) -> None:
        raise RuntimeError("action server down")

    seen: list[PhoneTurn] = []
    await channel.turns.turn(_inbound(), _turn(["Looking that up."], then=action_server_down,
                                          seen=seen))
    assert [m.body for m in standin.state.messages] == ["Looking that up.", APOLOGY]
    assert _rows(backend_store) == [(m.sid, seen[0].sender_id, NUMBER, "queued")
                                    for m in standin.state.messages]
    assert writes.transactions == [2]


async def test_a_keyword_reply_is_recorded_with_the_turn(channel, backend_store, writes,
                                                          standin):
    await channel.turns.turn(_inbound("HELP"), _turn([], seen=[]))
    [reply] = standin.state.messages
    assert [d.message_sid for d in backend_store.deliveries()] == [reply.sid]
    assert writes.transactions == [1]


async def test_sends_outside_a_turn_are_recorded_at_once(channel, backend_store, writes,
                                                         standin):
    backend_store.remember_route(sender_id=customer_sender_id(9), channel="sms", address=NUMBER)
    output = channel.turns.output()
    await output.send_text_message(customer_sender_id(9),
                                   "An agent here: your engineer comes at 9.")
    assert writes.transactions == [1]
    await output.send_text_message(customer_sender_id(9), "And brings the new router.")
    assert writes.transactions == [1, 1]
    assert _rows(backend_store) == [(m.sid, customer_sender_id(9), NUMBER, "queued")
                                    for m in standin.state.messages]


async def test_a_failed_turn_write_is_logged_with_the_sids_not_raised(
        channel, tmp_path: Path, standin, caplog):
    broken = ChannelStore(create_engine(f"sqlite:///{tmp_path / 'no-tables.db'}", future=True))
    output = SmsOutput(sender=channel.sender, store=broken, address=NUMBER, per_turn=True)
    await output.send_text_message(customer_sender_id(4), "First.")
    await output.send_text_message(customer_sender_id(4), "Second.")
    with caplog.at_level(logging.ERROR, logger="careline.channels.twilio_output"):
        await output.flush_deliveries()
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert all(m.sid in logged.getMessage() for m in standin.state.messages)
    assert "2 deliveries not recorded" in logged.getMessage()
