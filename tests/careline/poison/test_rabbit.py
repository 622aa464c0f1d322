"""Poison messages on the local RabbitMQ: a message a consumer always fails on is parked in
``<queue>.parked`` after CARELINE_POISON_MAX_TRIES tries and counted, the consumer goes on
to the next, and a database that is away parks nothing however long it lasts."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import uuid
from typing import AsyncIterator

import aio_pika
import pytest

from careline.db.session import run_blocking
from careline.desk.events import BrokerMessage, PikaEventSource
from careline.insight.stream import Failures, PikaEventConsumer, RawEvent
from careline.observability.metrics import registry_for
from careline.poison.rabbit import TRIES_HEADER, parked_queue
from tests.careline.poison.outage import POSTGRES, refused_postgres_url, select_one
from tests.eventually import eventually_async

AMQP = "amqp://guest:guest@127.0.0.1:5672/"
MAX_TRIES = 3


@pytest.fixture()
async def fanout() -> AsyncIterator[tuple[str, str, aio_pika.abc.AbstractExchange]]:
    """A throwaway fanout exchange (Rasa's, in production) with the consumer's queue bound,
    declared before anything is published; both queues and the exchange go afterwards."""
    name = f"careline-test-{uuid.uuid4().hex[:8]}"
    queue_name = f"{name}-consumer"
    connection = await aio_pika.connect_robust(AMQP)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(name, type=aio_pika.ExchangeType.FANOUT)
    queue = await channel.declare_queue(queue_name, durable=True)
    await queue.bind(exchange, "")
    yield name, queue_name, exchange
    for doomed in (queue_name, parked_queue(queue_name)):
        await channel.queue_delete(doomed)
    await exchange.delete()
    await connection.close()


async def publish(exchange: aio_pika.abc.AbstractExchange, sender: str, text: str) -> None:
    event = {"sender_id": sender, "event": "user", "text": text, "timestamp": 1.0}
    await exchange.publish(aio_pika.Message(json.dumps(event).encode()), routing_key="")


async def parked_messages(queue_name: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(AMQP)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(parked_queue(queue_name), durable=True)
        found = []
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            found.append(message)
        return found
    finally:
        await connection.close()


def parked_count(service: str, consumer: str) -> float:
    return registry_for(service).get_sample_value(
        "careline_poison_parked_total", {"consumer": consumer}) or 0.0


async def test_the_desk_parks_a_message_it_always_fails_on_and_goes_on(fanout, caplog):
    name, queue_name, exchange = fanout
    source = PikaEventSource(AMQP, queue=queue_name, exchange=name, max_tries=MAX_TRIES)
    tries: dict[str, int] = {}
    handled: list[str] = []

    async def handle(message: BrokerMessage) -> None:
        tries[message.conversation_id] = tries.get(message.conversation_id, 0) + 1
        if message.conversation_id == "poison":
            raise ValueError("a line the desk cannot record")
        handled.append(message.conversation_id)

    before = parked_count("desk", "desk")
    consuming = asyncio.create_task(source.run(handle))
    try:
        with caplog.at_level(logging.ERROR, logger="careline.poison.rules"):
            await publish(exchange, "poison", "hello")
            await publish(exchange, "good", "hello")
            await eventually_async(
                lambda: parked_count("desk", "desk") == before + 1 and handled, timeout=30)
            await publish(exchange, "after", "hello")
            await eventually_async(lambda: "after" in handled, timeout=30)
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
    assert tries["poison"] == MAX_TRIES
    assert sorted(handled) == ["after", "good"]
    parked = await parked_messages(queue_name)
    assert [json.loads(m.body)["sender_id"] for m in parked] == ["poison"]
    assert parked[0].headers[TRIES_HEADER] == MAX_TRIES
    assert parked[0].headers["x-careline-consumer"] == "desk"
    assert "ValueError: a line the desk cannot record" in parked[0].headers["x-careline-error"]
    assert "poison message parked by desk after 3 tries" in caplog.text


@pytest.mark.postgres
async def test_a_database_outage_parks_nothing(fanout):
    """The handler's database refuses connections for more than MAX_TRIES deliveries, then
    comes back: the message is handled, not parked."""
    name, queue_name, exchange = fanout
    source = PikaEventSource(AMQP, queue=queue_name, exchange=name, max_tries=MAX_TRIES)
    attempts: list[str] = []
    handled: list[str] = []
    down = refused_postgres_url()

    async def handle(message: BrokerMessage) -> None:
        attempts.append(message.conversation_id)
        back = len(attempts) > MAX_TRIES + 2
        await run_blocking(functools.partial(select_one, POSTGRES if back else down))
        handled.append(message.conversation_id)

    before = parked_count("desk", "desk")
    consuming = asyncio.create_task(source.run(handle))
    try:
        await publish(exchange, "waits-it-out", "hello")
        await eventually_async(lambda: handled, timeout=30)
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
    assert handled == ["waits-it-out"]
    assert len(attempts) == MAX_TRIES + 3
    assert await parked_messages(queue_name) == []
    assert parked_count("desk", "desk") == before


async def test_insight_parks_the_event_it_cannot_fold_and_acks_the_rest(fanout):
    name, queue_name, exchange = fanout
    consumer = PikaEventConsumer(AMQP, queue=queue_name, exchange=name, linger=0.05,
                                 max_tries=MAX_TRIES)
    folded: list[str] = []
    tries = 0

    async def handle(events: list[RawEvent]) -> Failures:
        nonlocal tries
        failures = []
        for index, event in enumerate(events):
            if event.sender_id == "poison":
                tries += 1
                failures.append((index, KeyError("slots")))
            else:
                folded.append(event.sender_id)
        return failures

    before = parked_count("insight", "insight")
    stop = asyncio.Event()
    consuming = asyncio.create_task(consumer.run(handle, stop=stop))
    try:
        await publish(exchange, "first", "hello")
        await publish(exchange, "poison", "hello")
        await publish(exchange, "last", "hello")
        await eventually_async(lambda: parked_count("insight", "insight") == before + 1
                               and {"first", "last"} <= set(folded), timeout=30)
    finally:
        stop.set()
        await asyncio.wait_for(consuming, timeout=10)
    assert tries == MAX_TRIES
    assert sorted(folded) == ["first", "last"]
    parked = await parked_messages(queue_name)
    assert [json.loads(m.body)["sender_id"] for m in parked] == ["poison"]
    assert parked[0].headers["x-careline-consumer"] == "insight"
    assert consumer.consumed == 2 + MAX_TRIES  # every delivery was acknowledged


