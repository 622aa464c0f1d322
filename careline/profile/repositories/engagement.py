"""Engagement rows: interactions on every channel, the cases they opened, the keys of the
account writes conversations made."""

from __future__ import annotations

from typing import Optional

from datetime import datetime

from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from careline.profile.models import AccountWrite, Case, Interaction
from careline.profile.models.types import UtcDateTime

_interactions = Interaction.__table__
_writes = AccountWrite.__table__
_cases = Case.__table__

# Read statements are built once: building a select costs more than running it.
_RECENT = (select(_interactions, _cases.c.reference.label("case_reference"))
           .select_from(_interactions.outerjoin(_cases,
                                                _cases.c.id == _interactions.c.case_id))
           .where(_interactions.c.customer_id == bindparam("customer_id"))
           .order_by(_interactions.c.occurred_at.desc(), _interactions.c.id.desc())
           .limit(bindparam("limit")))
_RECENT_ON_CHANNEL = _RECENT.where(_interactions.c.channel == bindparam("channel"))
_OPEN_CASES = (select(_cases)
               .where(_cases.c.customer_id == bindparam("customer_id"),
                      _cases.c.status != "closed")
               .order_by(_cases.c.opened_at.desc(), _cases.c.id.desc()))
# Raw SQL: the same ``ON CONFLICT`` text runs on PostgreSQL and SQLite (3.24 and later).
_CLAIM_WRITE = text("""
    INSERT INTO eng_account_writes (idempotency_key, kind, customer_id, result, created_at)
    VALUES (:key, :kind, :customer_id, NULL, :at)
    ON CONFLICT (idempotency_key) DO NOTHING""").bindparams(bindparam("at", type_=UtcDateTime()))
_WRITE = select(_writes).where(_writes.c.idempotency_key == bindparam("key"))
_STORE_RESULT = (_writes.update().where(_writes.c.idempotency_key == bindparam("key"))
                 .values(result=bindparam("result")))
_DELETE_OLD_WRITES = _writes.delete().where(_writes.c.idempotency_key.in_(
    select(_writes.c.idempotency_key).where(_writes.c.created_at < bindparam("before"))
    .limit(bindparam("limit"))))


def recent_interactions(*, session: Session, customer_id: int, limit: int,
                        channel: Optional[str] = None) -> list[Row]:
    """Newest first, each row with the ``case_reference`` of the case it opened (if any)."""
    parameters = {"customer_id": customer_id, "limit": limit}
    if channel is None:
        return list(session.execute(_RECENT, parameters))
    return list(session.execute(_RECENT_ON_CHANNEL, {**parameters, "channel": channel}))


def open_cases(*, session: Session, customer_id: int) -> list[Row]:
    """The customer's cases that are not closed, newest first."""
    return list(session.execute(_OPEN_CASES, {"customer_id": customer_id}))


def add_case(*, session: Session, case: Case) -> Case:
    session.add(case)
    session.flush()
    return case


def add_interaction(*, session: Session, interaction: Interaction) -> Interaction:
    session.add(interaction)
    session.flush()
    return interaction


def claim_write(*, session: Session, key: str, kind: str, customer_id: Optional[int],
                at: datetime) -> bool:
    """Insert the key (True) or find it taken (False), in one statement that cannot lose a
    race: on PostgreSQL it waits while another transaction holds the same key uncommitted,
    then does nothing if that one committed (or inserts if it rolled back); on SQLite the
    database's write lock queues the two. Make it the transaction's first write, so SQLite
    takes that lock before anything else is read for the write."""
    return bool(session.execute(_CLAIM_WRITE, {"key": key, "kind": kind, "customer_id": customer_id,
                                          "at": at}).rowcount == 1)


def get_write(*, session: Session, key: str) -> Optional[Row]:
    return session.execute(_WRITE, {"key": key}).first()


def store_write_result(*, session: Session, key: str, result: str) -> None:
    session.execute(_STORE_RESULT, {"key": key, "result": result})


def delete_writes_before(*, session: Session, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` keys of account writes made before ``before``; how many went.
    A retried turn comes within minutes, so an old key can no longer meet its retry; the
    limit keeps one transaction short on a table that was never pruned."""
    return int(session.execute(_DELETE_OLD_WRITES, {"before": before, "limit": limit}).rowcount)
