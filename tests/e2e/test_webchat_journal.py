"""Web chat messages sent again until answered, on the real stack: each is answered by one
turn, whether its first turn finished, still runs elsewhere, or died with its replica."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from careline.channels.inbound_journal import Claim
from careline.channels.store import ChannelStore
from careline.db.session import get_engine
from careline.identity.channel_trust import Proof
from careline.webchat.journal import CHANNEL, DONE_EVENT, journal_key
from tests.e2e.stack import CarelineStack
from tests.e2e.test_twilio_channels import _user_events
from tests.e2e.test_webchat import WebClient, _token

pytestmark = pytest.mark.slow


async def _connected(stack: CarelineStack, subject: str) -> WebClient:
    client = WebClient()
    await client.connect(stack, _token(stack, subject=subject))
    await client.session()
    return client


async def _say(client: WebClient, text: str, message_id: str) -> None:
    await client.sio.emit("user_uttered", {"message": text, "message_id": message_id})


def _done(client: WebClient) -> list[str]:
    return [d["message_id"] for d in client.of(DONE_EVENT)]


def _sent_until_done(stack: CarelineStack, subject: str, message_id: str) -> WebClient:
    """A visitor's tab says "hello" with ``message_id`` and closes once told it is done."""
    async def run() -> WebClient:
        client = await _connected(stack, subject)
        await _say(client, "hello", message_id)
        await client.wait_for(DONE_EVENT)
        await client.sio.disconnect()
        return client
    return asyncio.run(run())


def _claim(stack: CarelineStack, key: str, *, lease_seconds: float) -> None:
    """What a replica does before it runs the turn (a negative lease: it died long ago)."""
    store = ChannelStore(get_engine(stack.database_url))
    assert store.claim_resent(channel=CHANNEL, message_sid=key, proved_by=Proof.WEB_TOKEN.value,
                              lease_seconds=lease_seconds) is Claim.CLAIMED


def test_a_message_sent_again_after_its_answer_gets_only_done(careline_stack):
    message_id = uuid.uuid4().hex

    async def run() -> tuple[int, WebClient]:
        client = await _connected(careline_stack, "erin-web")
        await _say(client, "hello", message_id)
        await client.wait_for(DONE_EVENT)
        answers = len(client.of("bot_uttered"))
        await _say(client, "hello", message_id)  # the widget after a reconnect
        await client.wait_for(DONE_EVENT, count=2)
        await client.sio.disconnect()
        return answers, client

    answers, client = asyncio.run(run())
    assert answers >= 1 and len(client.of("bot_uttered")) == answers
    assert _done(client) == [message_id, message_id]
    [event] = _user_events(careline_stack, "web-erin-web")
    assert event["message_id"] == journal_key(sender_id="web-erin-web", message_id=message_id)


def test_a_message_whose_replica_died_is_answered_when_sent_again(careline_stack):
    sender, message_id = "fred-web", uuid.uuid4().hex
    key = journal_key(sender_id=f"web-{sender}", message_id=message_id)
    _claim(careline_stack, key, lease_seconds=-60)

    client = _sent_until_done(careline_stack, sender, message_id)
    assert client.of("bot_uttered") and _done(client) == [message_id]
    assert [e["message_id"] for e in _user_events(careline_stack, f"web-{sender}")] == [key]
    state = ChannelStore(get_engine(careline_stack.database_url)).inbound_state(message_sid=key)
    assert state is not None and state.state == "answered" and state.redrives == 1


def test_a_message_whose_replica_died_before_marking_it_answered_is_not_run_again(
        careline_stack):
    """Its turn was saved and answered, then the replica died before the answered mark:
    the message sent again finds its turn in the tracker and is only marked."""
    sender, message_id = "ida-web", uuid.uuid4().hex
    key = journal_key(sender_id=f"web-{sender}", message_id=message_id)

    assert _sent_until_done(careline_stack, sender, message_id).of("bot_uttered")
    with get_engine(careline_stack.database_url).begin() as connection:  # the mark undone
        connection.execute(text(
            "UPDATE channel_inbound_messages SET state = 'received', answered_at = NULL, "
            "lease_until = :past WHERE message_sid = :key"),
            {"key": key, "past": datetime.now(timezone.utc) - timedelta(minutes=5)})

    client = _sent_until_done(careline_stack, sender, message_id)
    assert client.of("bot_uttered") == [] and _done(client) == [message_id]
    assert [e["message_id"] for e in _user_events(careline_stack, f"web-{sender}")] == [key]
    state = ChannelStore(get_engine(careline_stack.database_url)).inbound_state(message_sid=key)
    assert state is not None and state.state == "answered"


def test_a_message_whose_turn_runs_elsewhere_is_left_to_that_turn(careline_stack):
    sender, running, later = "gina-web", uuid.uuid4().hex, uuid.uuid4().hex
    running_key = journal_key(sender_id=f"web-{sender}", message_id=running)
    _claim(careline_stack, running_key, lease_seconds=600)  # another replica holds it

    async def run() -> WebClient:
        client = await _connected(careline_stack, sender)
        await _say(client, "hello", running)
        await _say(client, "what can you do", later)  # answered; the first is left alone
        await client.wait_for(DONE_EVENT)
        await client.sio.disconnect()
        return client

    client = asyncio.run(run())
    assert _done(client) == [later]
    events = _user_events(careline_stack, f"web-{sender}")
    assert [e["message_id"] for e in events] == [
        journal_key(sender_id=f"web-{sender}", message_id=later)]


def test_a_message_id_of_another_shape_is_refused_and_not_run(careline_stack):
    async def run() -> WebClient:
        client = await _connected(careline_stack, "hugo-web")
        await _say(client, "hello", "not an id; DROP")
        await client.wait_for("message_refused")
        await client.sio.disconnect()
        return client

    client = asyncio.run(run())
    assert client.of("bot_uttered") == [] and _done(client) == []
    assert _user_events(careline_stack, "web-hugo-web") == []
