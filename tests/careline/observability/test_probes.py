"""Scrape-time gauges read the real stores: notices waiting in the database, messages
waiting in a RabbitMQ queue."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import aio_pika
import pytest
from sqlalchemy import create_engine, text

from careline.observability.metrics import NOTICES_QUEUED, QUEUE_DEPTH
from careline.observability.probes import BrokerQueues, broker_probe, notices_probe

AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def _notice(connection, status: str, reason: str | None, customer_id: int) -> None:  # type: ignore[no-untyped-def]
    connection.execute(text(
        "INSERT INTO proactive_notifications (incident_id, version, action, customer_id, "
        "segment, rank, status, reason, tracker, created_at) VALUES ('INC-P', 1, 'open', "
        ":customer, 'consumer', 0, :status, :reason, 'none', :at)"),
        {"customer": customer_id, "status": status, "reason": reason,
         "at": datetime(2026, 11, 18, tzinfo=timezone.utc)})


async def test_notices_waiting_and_held_by_quiet_hours_are_counted(sqlite_db):
    engine = create_engine(sqlite_db.url)
    with engine.begin() as connection:
        for customer, (status, reason) in enumerate([
                ("pending", None), ("sending", None), ("sent", None),
                ("skipped", "quiet_hours"), ("skipped", "quiet_hours"), ("skipped", "opted_out")]):
            _notice(connection, status, reason, 900 + customer)
    try:
        await notices_probe(engine)()
        assert NOTICES_QUEUED.labels("waiting")._value.get() == 2
        assert NOTICES_QUEUED.labels("held")._value.get() == 2
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM proactive_notifications "
                                    "WHERE incident_id = 'INC-P'"))
        engine.dispose()


async def test_a_queue_depth_is_read_without_consuming_or_creating_queues():
    name = f"careline-probe-{uuid.uuid4().hex[:8]}"
    connection = await aio_pika.connect(AMQP)
    channel = await connection.channel()
    queue = await channel.declare_queue(name, durable=False, auto_delete=False)
    probe = broker_probe(AMQP, [name])
    assert isinstance(probe, BrokerQueues) and broker_probe(None, [name]) is None
    try:
        for _ in range(3):
            await channel.default_exchange.publish(aio_pika.Message(b"{}"), routing_key=name)
        await probe()
        await probe()  # reading twice takes nothing off the queue
        assert QUEUE_DEPTH.labels(name)._value.get() == 3
        await channel.default_exchange.publish(aio_pika.Message(b"{}"), routing_key=name)
        both = BrokerQueues(AMQP, [f"{name}-nobody", name])
        with pytest.raises(LookupError, match="-nobody"):
            await both()  # a missing queue is named, never declared by a scrape...
        assert QUEUE_DEPTH.labels(name)._value.get() == 4  # ...and the others still read
        await both.close()
    finally:
        await probe.close()
        await queue.delete(if_unused=False, if_empty=False)
        await connection.close()
