"""Parking RabbitMQ messages a consumer keeps failing on.

RabbitMQ's ``redelivered`` flag says only "delivered before", not how often, and a
``nack(requeue=True)`` puts the message back at the head of the queue, so one bad message
would block every message behind it for ever. Instead a failed message is published again
to the tail of its own queue (through the default exchange, so no other consumer's queue
sees it) with its tries counted in the ``x-careline-tries`` header, and then acknowledged;
on the last try it goes to ``<queue>.parked`` (durable) instead. The publish is confirmed
before the ack, so a crash in between can deliver a message twice, never lose it.

A failure that says the database or the broker is away (:func:`careline.poison.rules.is_outage`)
counts no try: the message is put back after a pause and waits the outage out.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from careline.observability.redact import redact
from careline.poison.rules import describe, is_outage, parked
from careline.poison.schemas import ParkedItem, Replayed

if TYPE_CHECKING:  # aio_pika is imported lazily, as by the consumers themselves
    from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

TRIES_HEADER = "x-careline-tries"
#: What parking adds to a message (its tries, who parked it and why); a replay removes them.
PARKING_HEADERS = frozenset({TRIES_HEADER, "x-careline-consumer", "x-careline-error"})
#: Seconds a message failed by an outage waits before it is put back.
OUTAGE_PAUSE_SECONDS = 1.0


class QueueGone(RuntimeError):
    """A parking queue's own queue does not exist, so its messages cannot be replayed."""


def parked_queue(queue: str) -> str:
    return f"{queue}.parked"


class PoisonGuard:
    """Decides, for one consumer's queue, what happens to a message it failed on."""

    def __init__(self, channel: AbstractChannel, *, queue: str, consumer: str,
                 max_tries: int, outage_pause: float = OUTAGE_PAUSE_SECONDS) -> None:
        self.channel = channel
        self.queue = queue
        self.consumer = consumer
        self.max_tries = max_tries
        self.outage_pause = outage_pause

    async def declare(self) -> None:
        """Declare the parking queue (durable), so parked messages outlive a broker restart."""
        await self.channel.declare_queue(parked_queue(self.queue), durable=True)

    async def failed(self, incoming: AbstractIncomingMessage, error: BaseException) -> None:
        """Put ``incoming`` back after an outage; else retry it from the tail of its queue, or
        park it on its last try. It is acknowledged (or put back) here, never by the caller."""
        if is_outage(error):
            await asyncio.sleep(self.outage_pause)
            await incoming.nack(requeue=True)
            return
        tries = _tries(incoming.headers) + 1
        headers = {**(incoming.headers or {}), TRIES_HEADER: tries}
        if tries < self.max_tries:
            await self._publish(incoming, headers, routing_key=self.queue)
        else:
            headers.update({"x-careline-consumer": self.consumer,
                            "x-careline-error": describe(error)})
            await self._publish(incoming, headers, routing_key=parked_queue(self.queue))
            parked(consumer=self.consumer, key=f"{self.queue}: {_describe_body(incoming.body)}",
                   tries=tries, error=describe(error))
        await incoming.ack()

    async def _publish(self, incoming: AbstractIncomingMessage, headers: dict[str, Any], *,
                       routing_key: str) -> None:
        import aio_pika

        await self.channel.default_exchange.publish(
            aio_pika.Message(incoming.body, headers=headers, content_type=incoming.content_type,
                             message_id=incoming.message_id,
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=routing_key)


async def peek_parked(url: str, queue: str, *, limit: int) -> list[ParkedItem]:
    """Up to ``limit`` messages parked from ``queue``, oldest first, left where they are
    (never acknowledged: closing the connection returns them to the parking queue)."""
    import aio_pika

    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        parking = await channel.declare_queue(parked_queue(queue), durable=True)
        found: list[ParkedItem] = []
        while len(found) < limit:
            incoming = await parking.get(fail=False, no_ack=False)
            if incoming is None:
                break
            headers = incoming.headers or {}
            found.append(ParkedItem(
                consumer=str(headers.get("x-careline-consumer", "?")),
                place=parked_queue(queue), key=_describe_body(incoming.body),
                tries=_tries(headers), error=str(headers.get("x-careline-error", ""))))
        return found
    finally:
        await connection.close()


async def replay_parked(url: str, queue: str, *, consumer: str) -> list[Replayed]:
    """Move the messages parked from ``queue`` back to its tail with their tries forgotten:
    the same body, content type and message id, persistent, without the headers parking
    added. Each is acknowledged off the parking queue only once the broker confirmed its
    publish, so a crash in between delivers a message twice, never loses it. Only what was
    parked when it started is moved: a message parked again meanwhile waits for the next
    replay. A message the broker cannot route (``queue`` is gone) stays parked:
    :class:`QueueGone`."""
    import aio_pika
    from aiormq.exceptions import PublishError

    connection = await aio_pika.connect(url)
    try:
        # confirmed publishes that raise when unroutable, instead of vanishing
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        parking = await channel.declare_queue(parked_queue(queue), durable=True)
        waiting = parking.declaration_result.message_count or 0
        moved: list[Replayed] = []
        for _ in range(waiting):
            incoming = await parking.get(fail=False, no_ack=False)
            if incoming is None:
                break
            headers = {name: value for name, value in (incoming.headers or {}).items()
                       if name not in PARKING_HEADERS}
            try:
                await channel.default_exchange.publish(
                    aio_pika.Message(incoming.body, headers=headers,
                                     content_type=incoming.content_type,
                                     message_id=incoming.message_id,
                                     delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=queue, mandatory=True)
            except PublishError as error:  # unacknowledged: it goes back to the parking queue
                raise QueueGone(f"no queue {queue} to replay {parked_queue(queue)} to; its "
                                f"messages stay parked (its consumer declares it)") from error
            await incoming.ack()
            moved.append(Replayed(consumer=consumer, place=parked_queue(queue),
                                  key=_describe_body(incoming.body), to=queue))
        return moved
    finally:
        await connection.close()


def _describe_body(body: bytes) -> str:
    """A broker event by its conversation (masked) and kind, never its text."""
    try:
        event = json.loads(body)
    except ValueError:
        return f"{len(body)} bytes, not JSON"
    if not isinstance(event, dict):
        return f"JSON {type(event).__name__}"
    return redact(f"{event.get('sender_id', '?')} {event.get('event', '?')} "
                  f"at {event.get('timestamp', '?')}")


def _tries(headers: Any) -> int:
    """Tries so far, from the header; a header someone else mangled counts as none."""
    try:
        return max(0, int((headers or {}).get(TRIES_HEADER, 0)))
    except (TypeError, ValueError):
        return 0
