"""Replaying a RabbitMQ parking queue on the local broker: the messages go back to their
queue with their tries forgotten and are consumed again, the parking queue is left empty,
a second replay moves nothing, and a message whose queue is gone stays parked."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
import pytest

from careline.desk.events import BrokerMessage, PikaEventSource
from careline.poison.rabbit import QueueGone, replay_parked
from tests.careline.poison.test_rabbit import (AMQP, MAX_TRIES, fanout,  # noqa: F401 (a fixture)
                                               parked_count, parked_messages, publish)
from tests.eventually import eventually_async


async def test_a_replayed_message_is_tried_afresh_and_consumed_once_its_cause_is_fixed(
        fanout):  # noqa: F811
    name, queue_name, exchange = fanout
    source = PikaEventSource(AMQP, queue=queue_name, exchange=name, max_tries=MAX_TRIES)
    broken = True
    tries: list[str] = []
    handled: list[str] = []

    async def handle(message: BrokerMessage) -> None:
        tries.append(message.conversation_id)
        if broken:
            raise ValueError("a line the desk cannot record")
        handled.append(message.conversation_id)

    before = parked_count("desk", "desk")  # counted once the parking queue holds it
    consuming = asyncio.create_task(source.run(handle))
    try:
        await publish(exchange, "poison", "hello")
        await eventually_async(lambda: parked_count("desk", "desk") == before + 1, timeout=30)
        assert len(tries) == MAX_TRIES

        moved = await replay_parked(AMQP, queue_name, consumer="desk")  # not fixed yet
        assert [(m.consumer, m.to) for m in moved] == [("desk", queue_name)]
        # its tries start again from none: parked again only after MAX_TRIES more
        await eventually_async(lambda: parked_count("desk", "desk") == before + 2, timeout=30)
        assert len(tries) == 2 * MAX_TRIES

        broken = False
        assert len(await replay_parked(AMQP, queue_name, consumer="desk")) == 1
        await eventually_async(lambda: handled, timeout=30)
    finally:
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)
    assert handled == ["poison"]
    assert len(tries) == 2 * MAX_TRIES + 1
    assert await parked_messages(queue_name) == []
    assert await replay_parked(AMQP, queue_name, consumer="desk") == []


async def test_replay_keeps_the_headers_it_did_not_add_and_drops_those_parking_added(fanout):  # noqa: F811
    _, queue_name, _ = fanout
    connection = await aio_pika.connect(AMQP)
    try:
        channel = await connection.channel()
        parking = await channel.declare_queue(f"{queue_name}.parked", durable=True)
        await channel.default_exchange.publish(aio_pika.Message(
            b'{"sender_id": "s", "event": "user"}', content_type="application/json",
            message_id="m-1", headers={"x-careline-tries": MAX_TRIES,
                                       "x-careline-consumer": "desk",
                                       "x-careline-error": "ValueError: bad", "x-other": "kept"}),
            routing_key=parking.name)

        assert len(await replay_parked(AMQP, queue_name, consumer="desk")) == 1

        queue = await channel.declare_queue(queue_name, durable=True)
        back = await queue.get(no_ack=True)
    finally:
        await connection.close()
    assert json.loads(back.body) == {"sender_id": "s", "event": "user"}
    assert (back.content_type, back.message_id) == ("application/json", "m-1")
    assert back.headers == {"x-other": "kept"}
    assert back.delivery_mode == aio_pika.DeliveryMode.PERSISTENT


async def test_a_message_whose_queue_is_gone_stays_parked():
    gone = f"careline-test-{uuid.uuid4().hex[:8]}-gone"
    connection = await aio_pika.connect(AMQP)
    channel = await connection.channel()
    try:
        parking = await channel.declare_queue(f"{gone}.parked", durable=True)
        await channel.default_exchange.publish(aio_pika.Message(b"{}"), routing_key=parking.name)

        with pytest.raises(QueueGone, match="stay parked"):
            await replay_parked(AMQP, gone, consumer="desk")

        assert len(await parked_messages(gone)) == 1
    finally:
        await channel.queue_delete(f"{gone}.parked")
        await connection.close()
