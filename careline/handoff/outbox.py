"""The outbox service: enqueue a handoff once, hand due ones to the worker, record results."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional, cast

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from careline import clock
from careline.db.session import get_engine, session_scope
from careline.settings import get_settings
from careline.handoff import repository
from careline.handoff.models import OutboxEntry
from careline.handoff.schemas import ContextPackage
from careline.poison import repository as poison_tries

BASE_BACKOFF_SECONDS = 1.0
#: The consumer name the worker's tries and parked handoffs go by (careline.poison).
CONSUMER = "handoff-outbox"


@dataclass(frozen=True)
class OutboxItem:
    entry_id: int
    idempotency_key: str
    conversation_id: str
    payload: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: Optional[str]
    created_at: datetime

    def package(self) -> ContextPackage:
        return ContextPackage.parse_raw(self.payload)


def backoff_seconds(attempts: int, *, maximum: float) -> float:
    """Exponential backoff with jitter: ~1s, 2s, 4s … capped at ``maximum``."""
    delay = min(maximum, BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1))
    return cast("float", delay * random.uniform(0.8, 1.2))


class OutboxService:
    """Durable handoffs. Sync methods, one session per call (wrap with ``run_blocking``)."""

    def __init__(self, engine: Optional[Engine] = None) -> None:
        self._engine = engine or get_engine(get_settings().resolved_database_url)

    @property
    def engine(self) -> Engine:
        return self._engine

    def enqueue(self, *, package: ContextPackage,
                now: Optional[datetime] = None) -> tuple[OutboxItem, bool]:
        """Store ``package`` for delivery; the same idempotency key is stored only once.

        Returns the stored item and whether this call created it.
        """
        now = now or clock.now()
        try:
            with session_scope(self._engine) as session:
                existing = repository.get_by_key(session=session,
                                                 idempotency_key=package.idempotency_key)
                if existing is not None:
                    return _item(existing), False
                entry = repository.add_entry(session=session, entry=OutboxEntry(
                    idempotency_key=package.idempotency_key,
                    handoff_id=str(package.handoff_id),
                    conversation_id=package.conversation.conversation_id,
                    schema_version=package.schema_version,
                    payload=package.json(),
                    status="pending", attempts=0, next_attempt_at=now, created_at=now,
                ))
                return _item(entry), True
        except IntegrityError:  # a concurrent retry stored it first
            with session_scope(self._engine) as session:
                existing = repository.get_by_key(session=session,
                                                 idempotency_key=package.idempotency_key)
                assert existing is not None
                return _item(existing), False

    def due(self, *, now: Optional[datetime] = None, limit: int = 20) -> list[OutboxItem]:
        with session_scope(self._engine) as session:
            return [_item(e) for e in repository.due_entries(
                session=session, now=now or clock.now(), limit=limit)]

    def mark_delivered(self, *, entry_id: int, now: Optional[datetime] = None) -> None:
        with session_scope(self._engine) as session:
            entry = repository.get_entry(session=session, entry_id=entry_id)
            if entry is not None:
                entry.status = "delivered"
                entry.attempts += 1
                entry.delivered_at = now or clock.now()
                entry.last_error = None

    def mark_failed(self, *, entry_id: int, error: str, permanent: bool, max_backoff: float,
                    now: Optional[datetime] = None) -> OutboxItem:
        """Record a failed attempt and schedule the next one (or give up if ``permanent``)."""
        now = now or clock.now()
        with session_scope(self._engine) as session:
            entry = repository.get_entry(session=session, entry_id=entry_id)
            assert entry is not None, f"outbox entry {entry_id} vanished"
            entry.attempts += 1
            entry.last_error = error[:2000]
            if permanent:
                entry.status = "rejected"
            else:
                entry.next_attempt_at = now + timedelta(
                    seconds=backoff_seconds(entry.attempts, maximum=max_backoff))
            return _item(entry)

    def mark_parked(self, *, entry_id: int) -> None:
        """Stop retrying a handoff the worker keeps failing on (careline.poison); it stays
        listed by ``careline handoffs`` and ``careline parked``."""
        with session_scope(self._engine) as session:
            entry = repository.get_entry(session=session, entry_id=entry_id)
            if entry is not None and entry.status == "pending":
                entry.status = "parked"

    def replay_parked(self, *, now: Optional[datetime] = None) -> list[OutboxItem]:
        """Hand every parked handoff back to the worker, due now with no attempts, and forget
        its tries (careline.poison), in one transaction: a handoff due again with its old
        tries would be parked again on its first failure. A row another replay took first
        is left to that one."""
        now = now or clock.now()
        with session_scope(self._engine) as session:
            replayed = []
            for entry in repository.entries_with_status(session=session, statuses=("parked",)):
                if repository.unpark_entry(session=session, entry_id=entry.id, now=now):
                    poison_tries.delete_try(session=session, consumer=CONSUMER,
                                            message_key=entry.idempotency_key)
                    replayed.append(_item(entry))
            return replayed

    def undelivered(self) -> list[OutboxItem]:
        """Handoffs the desk has not acknowledged yet (pending, rejected or parked)."""
        with session_scope(self._engine) as session:
            return [_item(e) for e in repository.entries_with_status(
                session=session, statuses=("pending", "rejected", "parked"))]

    def get(self, *, idempotency_key: str) -> Optional[OutboxItem]:
        with session_scope(self._engine) as session:
            entry = repository.get_by_key(session=session, idempotency_key=idempotency_key)
            return _item(entry) if entry else None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _item(entry: OutboxEntry) -> OutboxItem:
    return OutboxItem(
        entry_id=entry.id, idempotency_key=entry.idempotency_key,
        conversation_id=entry.conversation_id, payload=entry.payload, status=entry.status,
        attempts=entry.attempts, next_attempt_at=_aware(entry.next_attempt_at),
        last_error=entry.last_error, created_at=_aware(entry.created_at),
    )
