"""Outbox rows: keyword-only functions over an explicit session."""

from __future__ import annotations

from datetime import datetime
from typing import Optional, cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from careline.handoff.models import OutboxEntry


def get_by_key(*, session: Session, idempotency_key: str) -> Optional[OutboxEntry]:
    return cast("OutboxEntry | None", session.execute(
        select(OutboxEntry).where(OutboxEntry.idempotency_key == idempotency_key)
    ).scalar_one_or_none())


def add_entry(*, session: Session, entry: OutboxEntry) -> OutboxEntry:
    session.add(entry)
    session.flush()
    return entry


def due_entries(*, session: Session, now: datetime, limit: int) -> list[OutboxEntry]:
    return list(session.execute(
        select(OutboxEntry)
        .where(OutboxEntry.status == "pending", OutboxEntry.next_attempt_at <= now)
        .order_by(OutboxEntry.next_attempt_at, OutboxEntry.id)
        .limit(limit)
    ).scalars())


def entries_with_status(*, session: Session, statuses: tuple[str, ...]) -> list[OutboxEntry]:
    return list(session.execute(
        select(OutboxEntry).where(OutboxEntry.status.in_(statuses)).order_by(OutboxEntry.id)
    ).scalars())


def get_entry(*, session: Session, entry_id: int) -> Optional[OutboxEntry]:
    return cast("OutboxEntry | None", session.get(OutboxEntry, entry_id))


def unpark_entry(*, session: Session, entry_id: int, now: datetime) -> bool:
    """Make a parked entry due at ``now`` with no attempts; False when it is no longer
    parked (another replay took it). One conditional UPDATE, so two replays at once
    cannot both take it, and the loaded entry is updated with it."""
    return bool(session.execute(
        update(OutboxEntry).where(OutboxEntry.id == entry_id, OutboxEntry.status == "parked")
        .values(status="pending", attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session="evaluate")).rowcount == 1)
