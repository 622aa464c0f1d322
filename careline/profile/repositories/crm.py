"""CRM rows: customers and their channel identities."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from careline.profile.models import Customer, CustomerIdentity


def get_customer(*, session: Session, customer_id: int,
                 with_identities: bool = False) -> Optional[Customer]:
    options = (selectinload(Customer.identities),) if with_identities else ()
    return session.get(Customer, customer_id, options=options)


def get_customer_by_identity(*, session: Session, kind: str, value: str) -> Optional[Customer]:
    """The customer owning identity ``(kind, value)``; values are stored normalised."""
    statement = (select(Customer).join(CustomerIdentity)
                 .where(CustomerIdentity.kind == kind, CustomerIdentity.value == value))
    return session.execute(statement).scalars().first()


def get_customer_by_account(*, session: Session, account_number: str) -> Optional[Customer]:
    statement = select(Customer).where(Customer.account_number == account_number)
    return session.execute(statement).scalars().first()


def get_identities(*, session: Session, kind: str, value: str) -> list[CustomerIdentity]:
    statement = select(CustomerIdentity).where(CustomerIdentity.kind == kind,
                                               CustomerIdentity.value == value)
    return list(session.execute(statement).scalars())


def set_identity_opt_out(*, session: Session, identity: CustomerIdentity, opted_out: bool,
                         at: datetime) -> None:
    identity.opted_out = opted_out
    identity.opted_out_at = at if opted_out else None


def count_customers(*, session: Session) -> int:
    return int(session.execute(select(func.count(Customer.id))).scalar_one())
