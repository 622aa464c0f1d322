"""Counting tries for consumers that read from a database, where no header can carry them.

A consumer calls :meth:`PoisonLedger.failed` when it fails on a message for a reason that
is not an outage (careline.poison.rules.is_outage); on the last try the row is marked
parked and the consumer moves past the message (the handoff outbox also marks its own row
``parked``). :meth:`PoisonLedger.succeeded` forgets the tries of a message that got through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from careline import clock
from careline.db.session import get_engine, session_scope
from careline.poison import repository
from careline.poison.models import PoisonTry
from careline.poison.rules import describe, parked
from careline.poison.schemas import ParkedItem, TryOutcome


class PoisonLedger:
    """Sync methods, one session per call (wrap with ``run_blocking`` in async code)."""

    def __init__(self, engine: Optional[Engine] = None) -> None:
        self._engine = engine or get_engine()

    def failed(self, *, consumer: str, key: str, error: BaseException, max_tries: int,
               now: Optional[datetime] = None) -> TryOutcome:
        """Count one failed try; parks the message (metric and ERROR log) on the last one."""
        now, key = now or clock.now(), key[:255]
        try:
            outcome = self._count(consumer, key, describe(error), max_tries, now)
        except IntegrityError:  # another replica counted the first try at the same moment
            outcome = self._count(consumer, key, describe(error), max_tries, now)
        if outcome.parked:
            parked(consumer=consumer, key=key, tries=outcome.tries, error=describe(error))
        return outcome

    def _count(self, consumer: str, key: str, error: str, max_tries: int,
               now: datetime) -> TryOutcome:
        with session_scope(self._engine) as session:
            row = repository.get_try(session=session, consumer=consumer, message_key=key)
            if row is None:
                row = repository.add_try(session=session, row=PoisonTry(
                    consumer=consumer, message_key=key, tries=0, last_error=error,
                    updated_at=now))
            row.tries += 1
            row.last_error = error
            row.updated_at = now
            if row.tries >= max_tries and row.parked_at is None:
                row.parked_at = now
            return TryOutcome(tries=row.tries, parked=row.parked_at is not None)

    def succeeded(self, *, consumer: str, key: str) -> None:
        with session_scope(self._engine) as session:
            repository.delete_try(session=session, consumer=consumer, message_key=key[:255])

    def parked(self) -> list[ParkedItem]:
        with session_scope(self._engine) as session:
            return [ParkedItem(consumer=row.consumer, place="poison_tries", key=row.message_key,
                               tries=row.tries, error=row.last_error, parked_at=row.parked_at)
                    for row in repository.parked_tries(session=session)]
