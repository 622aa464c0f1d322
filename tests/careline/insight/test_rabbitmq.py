"""Insight's RabbitMQ consumer against the local broker: its own queue on a fanout exchange."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import datetime, timezone

import aio_pika
import pytest
from sqlalchemy import select

from careline.db.session import session_scope
from careline.insight.models import Contact
from careline.insight.service import InsightService
from careline.insight.stream import PikaEventConsumer

AMQP = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture()
async def exchange():
    """A throwaway fanout exchange standing in for Rasa's ``rasa-exchange``; removed after."""
    name = f"careline-test-{uuid.uuid4().hex[:8]}"
    connection = await aio_pika.connect_robust(AMQP)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(name, type=aio_pika.ExchangeType.FANOUT)
    # Declared up front, as in production, so nothing published before the consumer starts is lost.
    queue = await channel.declare_queue(f"{name}-insight", durable=True)
    await queue.bind(exchange, "")
    yield name, exchange
    await channel.queue_delete(f"{name}-insight")
    await exchange.delete()
    await connection.close()


async def test_events_published_to_the_exchange_reach_the_store(exchange, engine):
    name, fanout = exchange
    consumer = PikaEventConsumer(AMQP, queue=f"{name}-insight", exchange=name, linger=0.05)
    service = InsightService(engine=engine)
    stop = asyncio.Event()
    task = asyncio.create_task(service.consume(consumer, stop))
    now = datetime.now(timezone.utc).timestamp()
    events = [{"sender_id": "customer-9", "event": "session_started", "timestamp": now},
              {"sender_id": "customer-9", "event": "user", "timestamp": now + 1,
               "text": "is there an outage", "input_channel": "whatsapp",
               "parse_data": {"intent": {"name": "check_outage"}}, "metadata": {}}]
    for event in events:
        await fanout.publish(aio_pika.Message(json.dumps(event).encode()), routing_key="")
    deadline = time.monotonic() + 20
    found = None
    while time.monotonic() < deadline and found is None:
        await asyncio.sleep(0.05)
        with session_scope(engine) as session:
            found = session.execute(select(Contact.driver, Contact.channel,
                                           Contact.user_messages)).first()
    stop.set()
    await asyncio.wait_for(task, timeout=10)
    assert tuple(found or ()) == ("check_outage", "whatsapp", 1)
