"""Queries on one-time codes and failed checks; every function takes an explicit session."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from careline.identity.models import FailedCheck, OneTimeCode


def latest_open_code(*, session: Session, customer_id: int, purpose: str) -> Optional[OneTimeCode]:
    """The newest code not yet used for this customer and purpose."""
    statement = (select(OneTimeCode)
                 .where(OneTimeCode.customer_id == customer_id,
                        OneTimeCode.purpose == purpose,
                        OneTimeCode.consumed_at.is_(None))
                 .order_by(OneTimeCode.id.desc()).limit(1))
    return session.execute(statement).scalars().first()


def retire_open_codes(*, session: Session, customer_id: int, purpose: str, at: datetime) -> None:
    """A new code replaces every earlier one, so only the last text sent works."""
    session.execute(update(OneTimeCode)
                    .where(OneTimeCode.customer_id == customer_id,
                           OneTimeCode.purpose == purpose,
                           OneTimeCode.consumed_at.is_(None))
                    .values(consumed_at=at))


def add_code(*, session: Session, customer_id: int, purpose: str, salt: str, code_hash: str,
             created_at: datetime, expires_at: datetime) -> OneTimeCode:
    row = OneTimeCode(customer_id=customer_id, purpose=purpose, salt=salt, code_hash=code_hash,
                      created_at=created_at, expires_at=expires_at, attempts=0)
    session.add(row)
    session.flush()
    return row


def add_failed_check(*, session: Session, customer_id: int, purpose: str, at: datetime) -> None:
    session.add(FailedCheck(customer_id=customer_id, purpose=purpose, failed_at=at))
    session.flush()


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
