"""Queries on one-time codes and failed checks; every function takes an explicit session."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Optional, cast

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from careline.identity.models import FailedCheck, OneTimeCode


def latest_open_code(*, session: Session, customer_id: int, purpose: str) -> Optional[OneTimeCode]:
    """The newest code not yet used for this customer and purpose, locked for the caller's
    transaction on PostgreSQL (``FOR UPDATE``): two guesses checked at once on two
    connections would otherwise both read the same try count and spend one try between
    them. SQLite, with one writer, has no row locks and SQLAlchemy leaves the clause out."""
    statement = (select(OneTimeCode)
                 .where(OneTimeCode.customer_id == customer_id,
                        OneTimeCode.purpose == purpose,
                        OneTimeCode.consumed_at.is_(None))
                 .order_by(OneTimeCode.id.desc()).limit(1).with_for_update())
    return cast("OneTimeCode | None", session.execute(statement).scalars().first())


def retire_open_codes(*, session: Session, customer_id: int, purpose: str, at: datetime) -> None:
    """A new code replaces every earlier one, so only the last text sent works."""
    session.execute(update(OneTimeCode)
                    .where(OneTimeCode.customer_id == customer_id,
                           OneTimeCode.purpose == purpose,
                           OneTimeCode.consumed_at.is_(None))
                    .values(consumed_at=at))


def add_code(*, session: Session, customer_id: int, purpose: str, salt: str, code_hash: str,
             created_at: datetime, expires_at: datetime, sent_to: Optional[str]) -> OneTimeCode:
    row = OneTimeCode(customer_id=customer_id, purpose=purpose, salt=salt, code_hash=code_hash,
                      created_at=created_at, expires_at=expires_at, attempts=0, sent_to=sent_to)
    session.add(row)
    session.flush()
    return row


def codes_issued_since(*, session: Session, since: datetime, customer_id: Optional[int] = None,
                       sent_to: Optional[str] = None) -> int:
    """How many codes (any purpose) were texted to this customer, or to this number, after
    ``since``; a single-use grant that was never texted (``sent_to`` empty) is no text."""
    statement = select(func.count()).select_from(OneTimeCode).where(
        OneTimeCode.created_at > since, OneTimeCode.sent_to.isnot(None))
    if customer_id is not None:
        statement = statement.where(OneTimeCode.customer_id == customer_id)
    if sent_to is not None:
        statement = statement.where(OneTimeCode.sent_to == sent_to)
    return cast("int", session.execute(statement).scalar_one())


def hold(*, session: Session, scope: str, key: str) -> None:
    """Hold ``key`` in ``scope`` (a customer's checks, a customer's or a number's codes)
    until the session's transaction ends, on every connection and replica.

    A count and the insert it allows must be one step: two connections that both count
    before either inserts both pass (N parallel guesses at a PIN all compared, N texts
    sent past the limit). PostgreSQL: a transaction-level advisory lock on the CRC-32s
    of scope and key. SQLite has one writer at a time, but a transaction takes the write
    lock only at its first write and pysqlite reads outside a transaction, so a no-op
    write takes it here, before the caller counts. Raw SQL: neither has an ORM form.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:scope, :key)"),
                        {"scope": _int4(scope), "key": _int4(key)})
    else:
        session.execute(text("UPDATE identity_failed_checks SET id = id WHERE 0"))


def _int4(name: str) -> int:
    """``name``'s CRC-32 as a signed 32-bit integer, the type of an advisory lock's keys."""
    crc = zlib.crc32(name.encode())
    return crc - 2 ** 32 if crc >= 2 ** 31 else crc


def add_failed_check(*, session: Session, customer_id: int, purpose: str, at: datetime) -> int:
    """Store one failure; its id, so a try that compared nothing can be taken back."""
    row = FailedCheck(customer_id=customer_id, purpose=purpose, failed_at=at)
    session.add(row)
    session.flush()
    return cast("int", row.id)


def delete_failed_check(*, session: Session, failure_id: int) -> None:
    session.execute(delete(FailedCheck).where(FailedCheck.id == failure_id))


def failed_checks_since(*, session: Session, customer_id: int, purpose: str,
                        since: datetime) -> list[datetime]:
    """When this customer's checks for ``purpose`` failed after ``since``, newest first."""
    statement = (select(FailedCheck.failed_at)
                 .where(FailedCheck.customer_id == customer_id,
                        FailedCheck.purpose == purpose,
                        FailedCheck.failed_at > since)
                 .order_by(FailedCheck.failed_at.desc(), FailedCheck.id.desc()))
    return list(session.execute(statement).scalars())


def delete_failed_checks(*, session: Session, customer_id: int, purpose: str,
                         before: Optional[datetime] = None) -> None:
    """Forget the customer's failures for ``purpose``: all of them, or those before ``before``."""
    statement = delete(FailedCheck).where(FailedCheck.customer_id == customer_id,
                                          FailedCheck.purpose == purpose)
    if before is not None:
        statement = statement.where(FailedCheck.failed_at < before)
    session.execute(statement)
