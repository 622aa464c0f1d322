"""InsightService: bring the analytics store up to date and compute a report."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError

from careline import clock
from careline.db.session import run_blocking, session_scope
from careline.insight.ingest import ContactFolder
from careline.insight.metrics import compute_report
from careline.insight.models import ConsumerOffset
from careline.insight.schemas import InsightReport
from careline.insight.stream import Failures, PikaEventConsumer, RawEvent, SqlEventReader
from careline.poison.ledger import PoisonLedger
from careline.settings import Settings

logger = logging.getLogger(__name__)
#: What an event the checks let through can still raise while folded (a row the database
#: refuses, a shape no one foresaw); never a database that is down (OperationalError).
BAD_EVENT_ERRORS = (IntegrityError, DataError, TypeError, ValueError, KeyError, AttributeError,
                    OverflowError)


@dataclass(frozen=True)
class Folded:
    """What :meth:`InsightService.ingest` made of a batch: events folded, and the
    (index, error) of each event that could not be."""

    applied: int
    failed: Failures = ()


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

    def ingest_pending(self, *, batch: int = 2000, limit: Optional[int] = None) -> int:
        """Read new SQL broker events into the store, all of them or at most ``limit``;
        returns how many were read.

        The read position is saved in the same transaction as the figures it
        produced, so an interrupted run resumes without counting twice.
        """
        if self._reader is None:
            return 0
        with self._ingesting:
            return self._ingest_pending(batch, limit)

    def _ingest_pending(self, batch: int, limit: Optional[int]) -> int:
        total = 0
        while limit is None or total < limit:
            size = batch if limit is None else min(batch, limit - total)
            try:
                read = self._fold_next(size)
            except BAD_EVENT_ERRORS:
                logger.exception("insight: a batch of events could not be folded; "
                                 "folding it one event at a time")
                read = self._fold_singly(size)
            if not read:
                return total
            total += read
        return total

    def _fold_next(self, batch: int, *, fold: bool = True) -> int:
        """Fold (or, with ``fold`` false, skip) the next ``batch`` events in one transaction
        with the read position; how many were read."""
        assert self._reader is not None
        with session_scope(self._engine) as session:
            offset = session.get(ConsumerOffset, self._source)
            if offset is None:
                offset = ConsumerOffset(source=self._source, position=0)
                session.add(offset)
            events = self._reader.read_after(offset.position, limit=batch)
            if events and fold:
                ContactFolder(session).apply_all(events)
            if events:
                offset.position = events[-1].position
            return len(events)

    def _fold_singly(self, count: int) -> int:
        """Up to ``count`` events, one transaction each: an event that still cannot be folded
        is logged and skipped (the read position moves past it), so one bad event never
        stops every later report, and recorded as parked (careline.poison: counted, listed
        by ``careline parked``; it stays in Rasa's table). A database that is down still
        raises: nothing is skipped."""
        read = 0
        for _ in range(count):
            try:
                step = self._fold_next(1)
            except BAD_EVENT_ERRORS as error:
                logger.exception("insight: an event could not be folded; skipped")
                step = self._fold_next(1, fold=False)
                PoisonLedger(self._engine).failed(
                    consumer="insight", key=f"events row {self._position()}", error=error,
                    max_tries=1)
            if not step:
                break
            read += step
        return read

    def _position(self) -> int:
        with session_scope(self._engine) as session:
            offset = session.get(ConsumerOffset, self._source)
            return offset.position if offset is not None else 0

    def ingest(self, events: list[RawEvent]) -> Folded:
        """Fold events that arrived another way (RabbitMQ) into the store; as
        :meth:`ingest_pending`, a batch that fails is folded one event at a time. An event
        that still fails is returned in ``failed`` for its consumer to retry or park
        (careline.poison.rabbit), so it never holds up the events behind it."""
        try:
            with session_scope(self._engine) as session:
                return Folded(applied=ContactFolder(session).apply_all(events))
        except BAD_EVENT_ERRORS:
            logger.exception("insight: a batch of events could not be folded; "
                             "folding it one event at a time")
        applied, failed = 0, []
        for index, event in enumerate(events):
            try:
                with session_scope(self._engine) as session:  # counted once committed
                    folded = ContactFolder(session).apply_all([event])
                applied += folded
            except BAD_EVENT_ERRORS as error:
                logger.exception("insight: an event could not be folded; handed back to "
                                 "the consumer")
                failed.append((index, error))
        return Folded(applied=applied, failed=tuple(failed))

    def report(self, *, since: datetime, until: Optional[datetime] = None) -> InsightReport:
        until = until or clock.now()
        with session_scope(self._engine) as session:
            return compute_report(session=session, since=since, until=until)

    async def consume(self, consumer: PikaEventConsumer,
                      stop: Optional[asyncio.Event] = None) -> None:
        """Production: fold RabbitMQ batches into the store until ``stop`` is set."""
        async def handle(events: list[RawEvent]) -> Failures:
            folded = await run_blocking(functools.partial(self.ingest, events), timeout=60)
            return folded.failed

        await consumer.run(handle, stop=stop)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
