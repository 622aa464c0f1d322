"""The insight consumer as a supervised service: /health says whether it holds its queue,
and the events published meanwhile are acknowledged (the queue drains to empty)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid

import aio_pika
import aiohttp
import pytest

from careline.insight.consumer_service import serve
from careline.insight.service import InsightService
from careline.insight.stream import PikaEventConsumer

AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _health(session: aiohttp.ClientSession, port: int) -> tuple[int, dict]:
    try:
        async with session.get(f"http://127.0.0.1:{port}/health") as reply:
            return reply.status, await reply.json()
    except aiohttp.ClientConnectionError:
        return 0, {}


async def _until(check, *, within: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


@pytest.fixture()
async def fanout():
    """A throwaway fanout exchange and a queue on it, as Rasa's broker declares them."""
    name = f"careline-consumer-{uuid.uuid4().hex[:8]}"
    connection = await aio_pika.connect(AMQP)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(name, type=aio_pika.ExchangeType.FANOUT)
    queue = await channel.declare_queue(f"{name}-events", durable=True)
    await queue.bind(exchange, "")
    yield name, exchange, channel
    await channel.queue_delete(f"{name}-events")
    await exchange.delete()
    await connection.close()


async def test_health_answers_once_the_queue_is_held_and_the_queue_drains(fanout, engine):
    name, exchange, channel = fanout
    now = time.time()
    for i in range(30):  # waiting before the consumer starts, as after a restart
        body = {"sender_id": f"drain-{i}", "event": "session_started", "timestamp": now + i}
        await exchange.publish(aio_pika.Message(json.dumps(body).encode()), routing_key="")
    port = _free_port()
    consumer = PikaEventConsumer(AMQP, queue=f"{name}-events", exchange=name, linger=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(InsightService(engine=engine), consumer,
                                     host="127.0.0.1", port=port, stop=stop))
    try:
        async with aiohttp.ClientSession() as session:
            async def healthy() -> dict | None:
                status, body = await _health(session, port)
                assert status in (0, 200, 503), status
                return body if status == 200 else None

            body = await _until(healthy)
            assert body["queue"] == f"{name}-events"

            async def drained() -> int | None:
                declared = await channel.declare_queue(f"{name}-events", passive=True)
                depth = declared.declaration_result.message_count
                status, body = await _health(session, port)
                return body["consumed"] if depth == 0 and body["consumed"] >= 30 else None

            assert await _until(drained) == 30
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
    assert not consumer.connected


async def test_the_service_ends_when_its_consumer_cannot_connect(engine):
    """A consumer that stops ends the process, so a supervisor restarts it."""
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        broker = f"amqp://guest:guest@127.0.0.1:{closed.getsockname()[1]}/"
    consumer = PikaEventConsumer(broker, queue="never", linger=0.05)
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(serve(InsightService(engine=engine), consumer,
                                     host="127.0.0.1", port=_free_port()), timeout=30)
    assert not consumer.connected
