"""delete_queue empties RabbitMQ of a stack's leftover events, and minds no missing queue."""

from __future__ import annotations

import asyncio
import uuid

import aio_pika
from aiormq.exceptions import ChannelNotFoundEntity

from careline.deploy.stack import LOCAL_EVENT_BROKER_URL, delete_queue


async def _declare_with_one_event(name: str) -> None:
    connection = await aio_pika.connect(LOCAL_EVENT_BROKER_URL)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(name, durable=True)
        await channel.default_exchange.publish(aio_pika.Message(b"{}"), routing_key=name)


async def _exists(name: str) -> bool:
    connection = await aio_pika.connect(LOCAL_EVENT_BROKER_URL)
    async with connection:
        channel = await connection.channel()
        try:
            await channel.declare_queue(name, passive=True)
        except ChannelNotFoundEntity:
            return False
        return True


def test_a_queue_with_events_is_deleted_and_a_missing_one_is_fine() -> None:
    name = f"test_delete_queue_{uuid.uuid4().hex[:8]}"
    asyncio.run(_declare_with_one_event(name))
    assert asyncio.run(_exists(name))
    delete_queue(LOCAL_EVENT_BROKER_URL, name)
    assert not asyncio.run(_exists(name))
    delete_queue(LOCAL_EVENT_BROKER_URL, name)  # already gone: no error
