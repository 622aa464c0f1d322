"""The event broker's stream, raw: every Rasa event, in order, from SQL or RabbitMQ.

Careline's one reader of Rasa's events. Insight folds every event (slots, actions,
intents) into figures; the desk's sources (careline.desk.events) read the same stream
and turn it into transcript lines; the desk's review inbox reads the tracker store's
``events`` table with the same reader: Rasa gives it the same ``id, sender_id,
data`` columns, plus a ``timestamp`` to read a period by.

Embedded default: Rasa's SQL broker table ``events``
(polled by id, the position kept in ``insight_offsets`` in the same
transaction as the figures, so a crash never counts an event twice).
Production: a durable queue of insight's own bound to Rasa's fanout exchange,
each message acknowledged after its batch is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional, Sequence

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from careline.poison.rabbit import PoisonGuard

if TYPE_CHECKING:  # aio_pika is imported lazily, when the consumer connects
    from aio_pika.abc import AbstractIncomingMessage

logger = logging.getLogger(__name__)
RASA_EXCHANGE = "rasa-exchange"
#: How long a stopping consumer waits for its connection to close. aiormq can leave a
#: channel's lock held when a cancellation lands in the middle of an RPC (the basic_get the
#: consumer polls with), and closing then waits for ever; past this the connection is left
#: to the broker, which requeues what was not acknowledged.
CLOSE_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class RawEvent:
    """One broker event; ``position`` is the SQL broker's row id (0 from RabbitMQ).

    ``data`` is whatever JSON arrived: ingest checks it before folding it."""

    position: int
    sender_id: str
    data: Any


#: The (index in its batch, error) of each event a handler could not fold.
Failures = Sequence[tuple[int, BaseException]]
BatchHandler = Callable[[list[RawEvent]], Awaitable[Failures]]


class SqlEventReader:
    """Reads Rasa's SQL broker table (or the tracker store's) by id, in batches."""

    def __init__(self, url: str) -> None:
        self.url = url if "://" in url else f"sqlite:///{url}"
        self._engine: Optional[Engine] = None

    def read_after(self, position: int, *, limit: int = 1000) -> list[RawEvent]:
        """Up to ``limit`` events after ``position``; none when Rasa has not made the table yet."""
        try:
            with self._connect() as connection:
                rows = list(connection.execute(
                    text("SELECT id, sender_id, data FROM events WHERE id > :p "
                         "ORDER BY id LIMIT :n"), {"p": position, "n": limit}))
        except OperationalError:
            return []
        return _raw_events(rows)

    def read_period(self, *, since: float, sender_id: Optional[str] = None,
                    limit: int = 50000) -> list[RawEvent]:
        """The tracker store's events from ``since`` (a Unix time) on, in order, of every
        conversation or of ``sender_id``'s: the newest ``limit`` of them; none when the table
        is not there yet.

        Only the tracker store's table has the ``timestamp`` column: the SQL broker's has not.
        """
        where = "timestamp >= :since" + (" AND sender_id = :sender" if sender_id else "")
        try:
            with self._connect() as connection:
                rows = list(connection.execute(
                    text(f"SELECT id, sender_id, data FROM events WHERE {where} "
                         "ORDER BY id DESC LIMIT :n"),
                    {"since": since, "sender": sender_id, "n": limit}))
        except OperationalError:
            return []
        return _raw_events(rows[::-1])

    def conversation_ids(self, *, since: float) -> list[str]:
        """Every conversation of the tracker store with an event from ``since`` on."""
        try:
            with self._connect() as connection:
                return [row[0] for row in connection.execute(text(
                    "SELECT DISTINCT sender_id FROM events WHERE timestamp >= :since"),
                    {"since": since})]
        except OperationalError:
            return []

    def _connect(self) -> Connection:
        if self._engine is None:
            self._engine = create_engine(self.url, future=True)
        return self._engine.connect()

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _raw_events(rows: list[Any]) -> list[RawEvent]:
    events = []
    for row_id, sender_id, data in rows:
        try:
            payload = json.loads(data)
        except (TypeError, ValueError):
            logger.warning("event %s is not JSON; skipped", row_id)
            payload = {}
        events.append(RawEvent(int(row_id), sender_id or _sender_of(payload), payload))
    return events


def _sender_of(payload: Any) -> str:
    """The conversation a published event names; any JSON may arrive (ingest checks it)."""
    return str(payload.get("sender_id", "")) if isinstance(payload, dict) else ""


class PikaEventConsumer:
    """A consumer's own durable queue on Rasa's fanout exchange (insight's, the desk's);
    acks after each handled batch.

    An event the handler could not fold is tried ``max_tries`` times, then parked
    (careline.poison.rabbit); a batch that raises (the database is away) is not
    acknowledged, so the broker delivers it again once the consumer reconnects."""

    def __init__(self, url: str, *, queue: str, exchange: str = RASA_EXCHANGE,
                 batch: int = 200, linger: float = 1.0, max_tries: int = 5,
                 consumer: str = "insight") -> None:
        self.url = url
        self.consumer = consumer
        self.queue_name = queue
        self.exchange_name = exchange
        self.batch = batch
        self.linger = linger
        self.max_tries = max_tries
        #: For the consumer's /health (insight/consumer_service.py): holding its queue, and
        #: how many events it has acknowledged.
        self.connected = False
        self.consumed = 0

    async def run(self, handle: BatchHandler, *, stop: Optional[asyncio.Event] = None) -> None:
        import aio_pika

        connection = await aio_pika.connect_robust(self.url)
        try:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=self.batch)
            exchange = await channel.declare_exchange(self.exchange_name,
                                                      type=aio_pika.ExchangeType.FANOUT)
            queue = await channel.declare_queue(self.queue_name, durable=True)
            await queue.bind(exchange, "")
            guard = PoisonGuard(channel, queue=self.queue_name, consumer=self.consumer,
                                max_tries=self.max_tries)
            await guard.declare()
            self.connected = True
            while stop is None or not stop.is_set():
                pending: list[AbstractIncomingMessage] = []
                while len(pending) < self.batch:
                    incoming = await queue.get(fail=False, no_ack=False)
                    if incoming is None:
                        break
                    pending.append(incoming)
                if not pending:
                    await asyncio.sleep(self.linger)
                    continue
                events = []
                for incoming in pending:
                    try:
                        payload = json.loads(incoming.body)
                    except ValueError:
                        payload = {}
                    events.append(RawEvent(0, _sender_of(payload), payload))
                failures = dict(await handle(events))
                for index, incoming in enumerate(pending):
                    if index in failures:
                        await guard.failed(incoming, failures[index])
                    else:
                        await incoming.ack()
                self.consumed += len(pending)
        finally:
            self.connected = False
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(connection.close(), timeout=CLOSE_TIMEOUT_SECONDS)
