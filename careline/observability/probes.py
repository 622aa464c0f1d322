"""The queue depths a scrape reads: handoffs not yet on the desk, notices waiting,
messages waiting in the event broker's queues. Each is one cheap question (a grouped
count on an indexed status column, a passive queue declaration), asked per scrape.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from careline.db.session import run_blocking, session_scope
from careline.handoff.outbox import OutboxService
from careline.observability.exposition import Probe
from careline.observability.metrics import NOTICES_QUEUED, OUTBOX, QUEUE_DEPTH

#: What the handoff outbox's statuses say about the desk (delivered ones are done).
OUTBOX_STATES = ("pending", "rejected", "parked")


def outbox_probe(outbox: OutboxService) -> Probe:
    """Handoffs in the outbox by status: pending (retrying), rejected (by the desk) and
    parked (the worker failed on them CARELINE_POISON_MAX_TRIES times);
    normally none or a few, so reading them whole (as ``/health`` does) costs little."""

    async def handoff_outbox() -> None:
        items = await run_blocking(outbox.undelivered)
        for status in OUTBOX_STATES:
            OUTBOX.labels(status).set(sum(1 for item in items if item.status == status))

    return handoff_outbox


def notices_probe(engine: Optional[Engine] = None) -> Probe:
    """Proactive notices waiting to go (pending or sending) and held by quiet hours."""
    from careline.proactive.models import Notification

    def count() -> tuple[int, int]:
        with session_scope(engine) as session:
            waiting = session.scalar(select(func.count()).where(
                Notification.status.in_(("pending", "sending"))))
            held = session.scalar(select(func.count()).where(
                Notification.status == "skipped", Notification.reason == "quiet_hours"))
            return int(waiting or 0), int(held or 0)

    async def notices_queued() -> None:
        waiting, held = await run_blocking(count)
        NOTICES_QUEUED.labels("waiting").set(waiting)
        NOTICES_QUEUED.labels("held").set(held)

    return notices_queued


class BrokerQueues:
    """Depths of RabbitMQ queues, on one connection kept between scrapes."""

    def __init__(self, url: str, queues: Sequence[str]) -> None:
        self.url = url
        self.queues = tuple(queues)
        self._connection: Any = None

    async def __call__(self) -> None:
        import aio_pika

        if self._connection is None or self._connection.is_closed:
            self._connection = await aio_pika.connect_robust(self.url, timeout=5)
        missing: list[str] = []
        for name in self.queues:  # a channel each: a missing queue closes its channel
            channel = await self._connection.channel()
            try:
                # passive: reads the queue's depth, never creates a queue nobody consumes
                queue = await channel.declare_queue(name, passive=True)
                QUEUE_DEPTH.labels(name).set(queue.declaration_result.message_count or 0)
            except aio_pika.exceptions.ChannelNotFoundEntity:
                missing.append(name)
            finally:
                if not channel.is_closed:
                    await channel.close()
        if missing:
            raise LookupError(f"no such queue on the broker: {', '.join(missing)}")

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


def broker_probe(url: Optional[str], queues: Sequence[str]) -> Optional[BrokerQueues]:
    """A probe of ``queues`` on the broker at ``url``; None without a broker (SQL events)."""
    return BrokerQueues(url, queues) if url else None
