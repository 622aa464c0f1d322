"""CRM rows: customers and their channel identities."""

from __future__ import annotations

from typing import Optional, cast

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from careline.profile.models import Customer, CustomerIdentity, NetworkArea

_customers = Customer.__table__
_identities = CustomerIdentity.__table__
_areas = NetworkArea.__table__
_REF_COLUMNS = (_customers.c.id, _customers.c.account_number, _customers.c.first_name,
                _customers.c.last_name, _customers.c.segment)

# Read statements are built once: building a select costs more than running it.
_BY_IDENTITY = (select(*_REF_COLUMNS)
                .join(_identities, _identities.c.customer_id == _customers.c.id)
                .where(_identities.c.kind == bindparam("kind"),
                       _identities.c.value == bindparam("value")))
_BY_ACCOUNT = select(*_REF_COLUMNS).where(_customers.c.account_number == bindparam("account"))


def customer_profile_query() -> tuple[Select, tuple[ColumnElement, ...]]:
    """The rows of :func:`customer_profile_rows` and, apart, their order (the unified
    profile ranks the same rows inside its one statement, unified.py)."""
    rows = (select(_customers, _areas.c.name.label("area_name"),
                   _identities.c.kind.label("identity_kind"),
                   _identities.c.value.label("identity_value"),
                   _identities.c.opted_out.label("identity_opted_out"))
            .select_from(_customers
                         .outerjoin(_areas, _areas.c.code == _customers.c.area_code)
                         .outerjoin(_identities, _identities.c.customer_id == _customers.c.id))
            .where(_customers.c.id == bindparam("customer_id")))
    return rows, (_identities.c.id,)


_PROFILE_ROWS, _PROFILE_ORDER = customer_profile_query()
_PROFILE = _PROFILE_ROWS.order_by(*_PROFILE_ORDER)


def get_customer(*, session: Session, customer_id: int) -> Optional[Customer]:
    return cast("Customer | None", session.get(Customer, customer_id))


def get_customer_by_identity(*, session: Session, kind: str, value: str) -> Optional[Row]:
    """The customer (id, account_number, names, segment) owning identity ``(kind, value)``.

    Values are stored normalised; (kind, value) is unique, so one indexed lookup.
    """
    return session.execute(_BY_IDENTITY, {"kind": kind, "value": value}).first()


def get_customer_by_account(*, session: Session, account_number: str) -> Optional[Row]:
    """Like :func:`get_customer_by_identity`, by account number."""
    return session.execute(_BY_ACCOUNT, {"account": account_number}).first()


def customer_profile_rows(*, session: Session, customer_id: int) -> list[Row]:
    """The customer's columns, area name and one identity per row, in one query.

    A customer without identities gives one row whose identity columns are NULL;
    an unknown id gives no rows.
    """
    return list(session.execute(_PROFILE, {"customer_id": customer_id}))


def count_customers(*, session: Session) -> int:
    return int(session.execute(select(func.count(Customer.id))).scalar_one())
