"""Poison try rows: keyword-only functions over an explicit session."""

from __future__ import annotations

from datetime import datetime
from typing import Optional, cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from careline.poison.models import PoisonTry


def get_try(*, session: Session, consumer: str, message_key: str) -> Optional[PoisonTry]:
    return cast("PoisonTry | None", session.get(PoisonTry, (consumer, message_key)))


def add_try(*, session: Session, row: PoisonTry) -> PoisonTry:
    session.add(row)
    session.flush()
    return row


def delete_try(*, session: Session, consumer: str, message_key: str) -> None:
    session.execute(delete(PoisonTry).where(PoisonTry.consumer == consumer,
                                            PoisonTry.message_key == message_key))


def parked_tries(*, session: Session) -> list[PoisonTry]:
    return list(session.execute(
        select(PoisonTry).where(PoisonTry.parked_at.is_not(None))
        .order_by(PoisonTry.parked_at)).scalars())


def delete_unparked_before(*, session: Session, before: datetime) -> int:
    """Delete the tries of messages never parked and last tried before ``before``; how many
    went. Such a message got through (the SQL broker sources never forget its tries) or
    stopped failing long ago: its count no longer says anything. Parked rows stay, listed
    by ``careline parked``."""
    return int(session.execute(delete(PoisonTry).where(
        PoisonTry.parked_at.is_(None), PoisonTry.updated_at < before)).rowcount)
