"""InsightService: bring the analytics store up to date and compute a report."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from datetime import datetime
from typing import Optional

from sqlalchemy.engine import Engine

from careline import clock
from careline.db.session import run_blocking, session_scope
from careline.insight.ingest import ContactFolder
from careline.insight.metrics import compute_report
from careline.insight.models import ConsumerOffset
from careline.insight.schemas import InsightReport
from careline.insight.stream import PikaEventConsumer, RawEvent, SqlEventReader
from careline.settings import Settings

logger = logging.getLogger(__name__)


def events_location(settings: Settings) -> str:
    """The SQL broker's database (data dir/events.db unless CARELINE_EVENTS_DB says)."""
    return str(settings.events_db or settings.data_dir / "events.db")


class InsightService:
    def __init__(self, *, engine: Optional[Engine] = None, events: Optional[str] = None) -> None:
        self._engine = engine
        self._reader = SqlEventReader(events) if events else None
        self._source = f"sql:{events}"[-64:] if events else ""
        #: Two pages drawn at once must not both fold the same new events.
        self._ingesting = threading.Lock()

    def ingest_pending(self, *, batch: int = 2000) -> int:
        """Read every new SQL broker event into the store; returns how many were read.

        The read position is saved in the same transaction as the figures it
        produced, so an interrupted run resumes without counting twice.
        """
        if self._reader is None:
            return 0
        with self._ingesting:
            return self._ingest_pending(batch)

    def _ingest_pending(self, batch: int) -> int:
        assert self._reader is not None
        total = 0
        while True:
            with session_scope(self._engine) as session:
                offset = session.get(ConsumerOffset, self._source)
                if offset is None:
                    offset = ConsumerOffset(source=self._source, position=0)
                    session.add(offset)
                events = self._reader.read_after(offset.position, limit=batch)
                if not events:
                    return total
                ContactFolder(session).apply_all(events)
                offset.position = events[-1].position
                total += len(events)

    def ingest(self, events: list[RawEvent]) -> int:
        """Fold events that arrived another way (RabbitMQ) into the store."""
        with session_scope(self._engine) as session:
            return ContactFolder(session).apply_all(events)

    def report(self, *, since: datetime, until: Optional[datetime] = None) -> InsightReport:
        until = until or clock.now()
        with session_scope(self._engine) as session:
            return compute_report(session=session, since=since, until=until)

    async def consume(self, consumer: PikaEventConsumer,
                      stop: Optional[asyncio.Event] = None) -> None:
        """Production: fold RabbitMQ batches into the store until ``stop`` is set."""
        async def handle(events: list[RawEvent]) -> None:
            await run_blocking(functools.partial(self.ingest, events), timeout=60)

        await consumer.run(handle, stop=stop)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
