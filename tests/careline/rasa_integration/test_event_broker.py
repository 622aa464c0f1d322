"""The event brokers: the embedded one on a WAL-journalled SQLite file, and Pika on RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import uuid
from pathlib import Path
from typing import AsyncIterator, Callable, Iterator

import aio_pika
import pytest
import rasa.shared.core.events
import structlog
from rasa.shared.core.events import remove_parse_data

import careline.rasa_integration.event_broker
from careline.rasa_integration.event_broker import (
    CarelineEventBroker,
    EmbeddedEventBroker,
    QuietPikaEventBroker,
)
from careline.settings import reset_settings


@pytest.fixture
def events_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "events.db"
    monkeypatch.delenv("CARELINE_EVENT_BROKER_URL", raising=False)
    monkeypatch.setenv("CARELINE_EVENTS_DB", str(path))
    reset_settings()
    yield path
    reset_settings()


def test_without_a_broker_url_events_go_to_the_embedded_file_in_order(events_db: Path) -> None:
    broker = asyncio.run(CarelineEventBroker.from_endpoint_config(None))
    assert isinstance(broker, EmbeddedEventBroker)
    for n in range(30):
        broker.publish({"sender_id": f"c{n % 3}", "event": "user", "text": f"message {n}"})
    broker.engine.dispose()

    reader = sqlite3.connect(events_db)
    rows = reader.execute("SELECT sender_id, data FROM events ORDER BY id").fetchall()
    journal = reader.execute("PRAGMA journal_mode").fetchone()[0]
    reader.close()
    assert [json.loads(data)["text"] for _, data in rows] == [f"message {n}" for n in range(30)]
    assert [sender for sender, _ in rows][:3] == ["c0", "c1", "c2"]
    assert journal == "wal"


def test_a_reader_in_another_connection_sees_each_event_once_committed(events_db: Path) -> None:
    broker = EmbeddedEventBroker(str(events_db))
    reader = sqlite3.connect(events_db)
    try:
        broker.publish({"sender_id": "c", "event": "bot", "text": "first"})
        assert reader.execute("SELECT count(*) FROM events").fetchone()[0] == 1
        broker.publish({"sender_id": "c", "event": "bot", "text": "second"})
        assert reader.execute("SELECT count(*) FROM events").fetchone()[0] == 2
    finally:
        reader.close()
        broker.engine.dispose()


AMQP = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture
def structlog_level() -> Iterator[Callable[[int], None]]:
    """Set structlog's level the way Rasa's configure_structlog does; restored after."""
    saved = structlog.get_config()
    yield lambda level: structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(level))
    structlog.configure(**saved)


@pytest.fixture
def reductions(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Events Rasa's remove_parse_data deep-copied (it still does the copying)."""
    copied: list[dict] = []

    def counting(event_: dict) -> dict:
        copied.append(event_)
        return remove_parse_data(event_)

    monkeypatch.setattr(rasa.shared.core.events, "remove_parse_data", counting)
    monkeypatch.setattr(careline.rasa_integration.event_broker, "remove_parse_data", counting)
    return copied


@pytest.fixture
async def pika_queue(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """A queue of this test's own behind Rasa's exchange on the local RabbitMQ; deleted after."""
    name = f"test-events-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("CARELINE_EVENT_BROKER_URL", AMQP)
    monkeypatch.setenv("CARELINE_EVENT_QUEUE", name)
    reset_settings()
    connection = await aio_pika.connect(AMQP)
    channel = await connection.channel()
    yield await channel.declare_queue(name, durable=True)
    await channel.queue_delete(name)
    await connection.close()
    reset_settings()


async def _received(queue: aio_pika.abc.AbstractQueue, sender: str, count: int) -> list[dict]:
    """The next ``count`` events of ``sender`` on the queue (others' events are skipped)."""
    found: list[dict] = []
    deadline = asyncio.get_running_loop().time() + 20
    while len(found) < count:
        assert asyncio.get_running_loop().time() < deadline, f"only {len(found)} arrived"
        message = await queue.get(no_ack=True, fail=False)
        if message is None:
            await asyncio.sleep(0.05)
            continue
        body = json.loads(message.body)
        if body.get("sender_id") == sender:
            found.append(body)
    return found


def _user_event(sender: str, number: int) -> dict:
    return {"sender_id": sender, "event": "user", "text": f"message {number}",
            "parse_data": {"intent": {"name": "greet", "confidence": 0.9}, "entities": []}}


async def test_pika_publishes_every_event_without_copying_it_when_debug_is_off(
    pika_queue: aio_pika.abc.AbstractQueue, reductions: list[dict],
    structlog_level: Callable[[int], None],
) -> None:
    structlog_level(logging.INFO)
    broker = await CarelineEventBroker.from_endpoint_config(None)
    assert isinstance(broker, QuietPikaEventBroker)
    sender = f"c-{uuid.uuid4().hex[:8]}"
    try:
        events = [_user_event(sender, n) for n in range(5)]
        for event_ in events:
            broker.publish(event_)
        assert await _received(pika_queue, sender, 5) == events
        await asyncio.gather(*broker._background_tasks)  # each publish ran to its end
        assert reductions == []

        structlog_level(logging.DEBUG)  # the debug line is printed again, with its copy
        broker.publish(_user_event(sender, 5))
        assert await _received(pika_queue, sender, 1) == [_user_event(sender, 5)]
        await asyncio.gather(*broker._background_tasks)
        assert reductions == [_user_event(sender, 5)]
    finally:
        await broker.close()


async def test_pika_keeps_an_event_it_could_not_publish_and_logs_it_reduced(
    pika_queue: aio_pika.abc.AbstractQueue, reductions: list[dict],
    structlog_level: Callable[[int], None],
) -> None:
    structlog_level(logging.INFO)
    broker = await CarelineEventBroker.from_endpoint_config(None)
    try:
        await broker._exchange.channel.close()  # the next publish fails, as on a lost channel
        event_ = _user_event("c-lost", 1)
        broker.publish(event_)
        await asyncio.gather(*broker._background_tasks)
        assert list(broker._unpublished_events) == [event_]
        assert reductions == [event_]  # for the error line, as Rasa logs it
    finally:
        await broker.close()
