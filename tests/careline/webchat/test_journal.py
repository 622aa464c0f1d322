"""The web chat journal on both backends: a message the widget sends again and again is
answered by one turn, whether its first turn finished, still runs, or died with its
process."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import time_machine

from careline import clock
from careline.channels.inbound_journal import Claim
from careline.channels.store import ChannelStore
from careline.identity.channel_trust import Proof
from careline.webchat.journal import CHANNEL, WebChatJournal, journal_key, valid_message_id

SENDER = "web-alice"
LATER = timedelta(minutes=2)  # past the 60 s lease


class Turns:
    """Stands in for Rasa: records the journal key of each turn it runs; ``saved`` are the
    keys its tracker holds (a dead process's turns among them)."""

    def __init__(self, saved: tuple[str, ...] = ()) -> None:
        self.keys: list[str] = []
        self.saved = set(saved)
        self.release = asyncio.Event()
        self.release.set()

    async def run(self, key: str) -> None:
        self.keys.append(key)
        await self.release.wait()
        self.saved.add(key)

    async def ran(self, key: str) -> bool:
        return key in self.saved


async def _send(journal: WebChatJournal, turns: Turns, message_id: str = "m-0001-abcd",
                sender: str = SENDER) -> bool:
    return await journal.answer_once(sender_id=sender, message_id=message_id,
                                     proved_by=Proof.WEB_TOKEN, run=turns.run, ran=turns.ran)


async def test_a_message_sent_again_after_its_answer_is_not_run_again(
        backend_store: ChannelStore) -> None:
    journal, turns = WebChatJournal(backend_store, lease_seconds=60), Turns()
    assert await _send(journal, turns) and await _send(journal, turns)
    key = journal_key(sender_id=SENDER, message_id="m-0001-abcd")
    assert turns.keys == [key]  # the journal key is the turn's message id
    state = backend_store.inbound_state(message_sid=key)
    assert state is not None and state.state == "answered" and not state.holds_message
    assert backend_store.duplicates_of(message_sid=key) == 1


async def test_the_same_id_in_another_conversation_is_another_message(
        backend_store: ChannelStore) -> None:
    journal, turns = WebChatJournal(backend_store, lease_seconds=60), Turns()
    assert await _send(journal, turns, sender="web-alice")
    assert await _send(journal, turns, sender="web-mallory")
    assert len(set(turns.keys)) == 2


async def test_a_message_sent_again_while_its_turn_runs_waits_for_that_turn(
        backend_store: ChannelStore) -> None:
    journal, turns = WebChatJournal(backend_store, lease_seconds=60), Turns()
    turns.release.clear()
    first = asyncio.create_task(_send(journal, turns))
    while not turns.keys:
        await asyncio.sleep(0.01)
    assert await _send(journal, turns) is False  # not answered yet: the widget keeps it
    turns.release.set()
    assert await first
    assert len(turns.keys) == 1


async def test_a_message_whose_process_died_is_taken_over_once(
        backend_store: ChannelStore) -> None:
    key = journal_key(sender_id=SENDER, message_id="m-0001-abcd")
    # the replica that claimed it died mid-turn: received, its lease never renewed
    assert backend_store.claim_resent(channel=CHANNEL, message_sid=key,
                                      proved_by=Proof.WEB_TOKEN.value,
                                      lease_seconds=60) is Claim.CLAIMED
    journal, turns = WebChatJournal(backend_store, lease_seconds=60), Turns()
    assert await _send(journal, turns) is False  # within the lease it may still answer
    with time_machine.travel(clock.now() + LATER, tick=True):
        assert await _send(journal, turns)
        assert await _send(journal, turns)
    assert turns.keys == [key]
    state = backend_store.inbound_state(message_sid=key)
    assert state is not None and state.state == "answered" and state.redrives == 1


async def test_a_message_whose_process_died_after_saving_its_turn_is_not_run_again(
        backend_store: ChannelStore) -> None:
    """Killed between the tracker's save and the answered mark: the customer has the
    answer, so the message is marked answered, not run a second time."""
    key = journal_key(sender_id=SENDER, message_id="m-0001-abcd")
    backend_store.claim_resent(channel=CHANNEL, message_sid=key,
                               proved_by=Proof.WEB_TOKEN.value, lease_seconds=60)
    journal, turns = WebChatJournal(backend_store, lease_seconds=60), Turns(saved=(key,))
    with time_machine.travel(clock.now() + LATER, tick=True):
        assert await _send(journal, turns)
    assert turns.keys == []
    state = backend_store.inbound_state(message_sid=key)
    assert state is not None and state.state == "answered"


async def test_a_turn_longer_than_its_lease_keeps_it(backend_store: ChannelStore) -> None:
    journal, turns, others = WebChatJournal(backend_store, lease_seconds=1.5), Turns(), Turns()
    turns.release.clear()
    first = asyncio.create_task(_send(journal, turns))
    while not turns.keys:
        await asyncio.sleep(0.01)
    loop = asyncio.get_running_loop()
    until = loop.time() + 4.5  # three leases: taken over unless renewed
    while loop.time() < until:
        assert await _send(journal, others) is False
        await asyncio.sleep(0.25)
    turns.release.set()
    assert await first and len(turns.keys) == 1 and others.keys == []


async def test_a_turn_that_raised_is_not_marked_answered(backend_store: ChannelStore) -> None:
    async def broken(_: str) -> None:
        raise RuntimeError("the process is going down")

    journal = WebChatJournal(backend_store, lease_seconds=60)
    with pytest.raises(RuntimeError):
        await journal.answer_once(sender_id=SENDER, message_id="m-0001-abcd",
                                  proved_by=Proof.WEB_TOKEN, run=broken, ran=Turns().ran)
    state = backend_store.inbound_state(
        message_sid=journal_key(sender_id=SENDER, message_id="m-0001-abcd"))
    assert state is not None and state.state == "received"  # taken over once stale


def test_the_journal_key_fits_the_journal_and_names_no_conversation() -> None:
    key = journal_key(sender_id=SENDER, message_id="m-0001-abcd")
    assert key.startswith("WC") and len(key) == 64
    assert SENDER not in key and "m-0001" not in key


@pytest.mark.parametrize("message_id,valid", [
    ("0b5e8f3c-1d2a-4c7b-9e6f-123456789abc", True), ("abcdefgh", True),
    ("short", False), ("x" * 65, False), ("has space", False), ("semi;colon", False),
    (12345678, False), (None, False)])
def test_message_ids_are_the_widgets_own_shape(message_id: object, valid: bool) -> None:
    assert valid_message_id(message_id) is valid
