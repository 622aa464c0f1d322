"""The whole unified profile of one customer in one SQL statement, on SQLite and PostgreSQL.

A profile read used to be nine statements, and on PostgreSQL every statement is a round
trip that waits for the server process to be scheduled on a busy machine. Here each
silo's joined rows (the same rows, under the same labels, that the per-silo reads in this
package return) are aggregated into one JSON array per silo by a scalar subquery, and
the nine subqueries go out as one ``SELECT``: one round trip, one snapshot of every silo.

JSON carries text, numbers and booleans only, so each column is decoded here by its
SQLAlchemy type: ``Date`` from ISO text, money and gigabytes back to ``Decimal`` (parsed
as decimals, never floats), UTC datetimes from one fixed text form that both backends
write (PostgreSQL's own JSON rendering trims fractional seconds, which Python 3.10 cannot
parse). Rows come back as named tuples with the per-silo reads' attribute names, so the
silo mappers in ``careline.profile.silos.sql`` turn them into schemas unchanged. Neither
backend promises the order of an aggregate's input, so every row carries its rank under
the silo's ``ORDER BY`` and is sorted by it here.
"""

from __future__ import annotations

import functools
import json
from collections import namedtuple
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Optional, Sequence

from sqlalchemy import Boolean, Date, Text, and_, bindparam, cast, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from careline.profile.models import (
    AddOn, Case, Customer, Incident, IncidentService, IncidentUpdate, Interaction, Line,
    LineAddOn, NetworkArea, Plan, UsageCycleRow,
)
from careline.profile.models.types import FixedDecimal, UtcDateTime
from careline.profile.repositories import billing, crm

_customers, _areas = Customer.__table__, NetworkArea.__table__
_lines, _plans, _cycles = Line.__table__, Plan.__table__, UsageCycleRow.__table__
_line_add_ons, _add_ons = LineAddOn.__table__, AddOn.__table__
_incidents, _updates, _services = (Incident.__table__, IncidentUpdate.__table__,
                                   IncidentService.__table__)
_interactions, _cases = Interaction.__table__, Case.__table__

_CUSTOMER_ID = bindparam("customer_id")
#: Constants are written into the SQL, so the statement's only parameters are
#: ``PARAMETERS`` (PostgreSQL prepares it with exactly those).
_RESOLVED, _CLOSED = literal_column("'resolved'"), literal_column("'closed'")
_AREA = select(_customers.c.area_code).where(_customers.c.id == _CUSTOMER_ID).scalar_subquery()


@dataclass(frozen=True)
class _Part:
    """One silo's rows: a select without ORDER BY and the order its rows are ranked in."""

    name: str
    rows: Select
    order: tuple[ColumnElement, ...]


def _customer_part() -> _Part:
    return _Part("customer", *crm.customer_profile_query())


def _bills_part() -> _Part:
    return _Part("bills", *billing.invoices_with_lines_query(
        owner=_customers.c.id == _CUSTOMER_ID, limit=bindparam("bills")))


def _add_ons_part() -> _Part:
    rows = (select(_line_add_ons.c.line_id, _line_add_ons.c.starts_on, _line_add_ons.c.ends_on,
                   _line_add_ons.c.destination,
                   *(c.label(f"add_on_{c.name}") for c in _add_ons.c))
            .select_from(_line_add_ons
                         .join(_lines, _lines.c.id == _line_add_ons.c.line_id)
                         .join(_add_ons, _add_ons.c.id == _line_add_ons.c.add_on_id))
            .where(_lines.c.customer_id == _CUSTOMER_ID,
                   _line_add_ons.c.ends_on >= bindparam("today")))
    return _Part("add_ons", rows, (_line_add_ons.c.starts_on, _line_add_ons.c.id))


def _lines_part() -> _Part:
    ranked = (select(_cycles.c.line_id, _cycles.c.cycle_start, _cycles.c.cycle_end,
                     _cycles.c.data_gb, _cycles.c.minutes, _cycles.c.texts,
                     _cycles.c.roaming_data_gb,
                     func.row_number().over(partition_by=_cycles.c.line_id,
                                            order_by=_cycles.c.cycle_start.desc())
                     .label("recency"))
              .select_from(_cycles.join(_lines, _lines.c.id == _cycles.c.line_id))
              .where(_lines.c.customer_id == _CUSTOMER_ID)
              .subquery("ranked"))
    rows = (select(_lines.c.id, _lines.c.msisdn, _lines.c.started_on, _lines.c.contract_ends_on,
                   *(c.label(f"plan_{c.name}") for c in _plans.c),
                   *(c.label(f"cycle_{c.name}") for c in ranked.c
                     if c.name not in ("line_id", "recency")))
            .select_from(_lines
                         .join(_plans, _plans.c.id == _lines.c.plan_id)
                         .outerjoin(ranked, and_(ranked.c.line_id == _lines.c.id,
                                                 ranked.c.recency <= bindparam("cycles"))))
            .where(_lines.c.customer_id == _CUSTOMER_ID))
    return _Part("lines", rows, (_lines.c.id, ranked.c.cycle_start.desc()))


def _account_part() -> _Part:
    return _Part("account", *billing.account_state_query())


def _outages_part() -> _Part:
    rows = (select(_incidents, _areas.c.name.label("area_name"), _updates.c.at.label("update_at"),
                   _updates.c.status.label("update_status"),
                   _updates.c.message.label("update_message"))
            .select_from(_incidents
                         .join(_areas, _areas.c.code == _incidents.c.area_code)
                         .outerjoin(_updates, _updates.c.incident_id == _incidents.c.id))
            .where(_incidents.c.area_code == _AREA, _incidents.c.status != _RESOLVED))
    return _Part("outages", rows, (_incidents.c.started_at.desc(), _incidents.c.id.desc(),
                                   _updates.c.at, _updates.c.id))


def _services_part() -> _Part:
    rows = (select(_services.c.incident_id, _services.c.service)
            .select_from(_services.join(_incidents, _incidents.c.id == _services.c.incident_id))
            .where(_incidents.c.area_code == _AREA, _incidents.c.status != _RESOLVED))
    return _Part("services", rows, (_services.c.incident_id, _services.c.service))


def _interactions_part() -> _Part:
    newest = (_interactions.c.occurred_at.desc(), _interactions.c.id.desc())
    rows = (select(_interactions, _cases.c.reference.label("case_reference"))
            .select_from(_interactions.outerjoin(_cases, _cases.c.id == _interactions.c.case_id))
            .where(_interactions.c.customer_id == _CUSTOMER_ID)
            .order_by(*newest).limit(bindparam("interactions")))
    return _Part("interactions", rows, newest)


def _open_cases_part() -> _Part:
    rows = select(_cases).where(_cases.c.customer_id == _CUSTOMER_ID, _cases.c.status != _CLOSED)
    return _Part("open_cases", rows, (_cases.c.opened_at.desc(), _cases.c.id.desc()))


_SQL_PARTS = (_customer_part(), _add_ons_part(), _lines_part(), _account_part(),
              _outages_part(), _services_part(), _interactions_part(), _open_cases_part())
_BILLS = _bills_part()


@dataclass(frozen=True)
class ProfileRows:
    """Each silo's rows for one customer, in the order the per-silo reads return them.

    ``bills`` is empty when the statement was built without them (bills from an API).
    """

    customer: Sequence[Any]
    bills: Sequence[Any]
    add_ons: Sequence[Any]
    lines: Sequence[Any]
    account: Sequence[Any]
    outages: Sequence[Any]
    services: Sequence[Any]
    interactions: Sequence[Any]
    open_cases: Sequence[Any]


def profile_rows(*, session: Session, customer_id: int, today: date, bills: int, cycles: int,
                 interactions: int, with_bills: bool = True) -> Optional[ProfileRows]:
    """Every silo's rows for the customer in one statement; None for an unknown customer.

    ``bills`` newest invoices (one row per invoice line), ``cycles`` newest usage cycles per
    line, add-ons not ended by ``today``, the newest ``interactions``; with ``with_bills``
    False the statement reads no invoices.
    """
    values = {"customer_id": customer_id, "today": today, "bills": bills, "cycles": cycles,
              "interactions": interactions}
    dialect = session.get_bind().dialect.name
    statement, decoders = _statement(dialect, with_bills)
    if dialect == "postgresql":
        found = _execute_prepared(session, statement, with_bills, values)
    else:
        found = session.execute(statement, values).one()
    parts = {name: decode(text) for (name, decode), text in zip(decoders, found)}
    if not parts["customer"]:
        return None
    return ProfileRows(**{"bills": (), **parts})


_Decoder = Callable[[Optional[str]], list[Any]]
#: The statement's parameters and their PostgreSQL types, in ``PREPARE``'s order.
PARAMETERS = (("customer_id", "integer"), ("today", "date"), ("bills", "integer"),
              ("cycles", "integer"), ("interactions", "integer"))


def _execute_prepared(session: Session, statement: Select, with_bills: bool,
                      values: dict[str, Any]) -> Any:
    """Run the statement as a prepared statement of the session's connection.

    PostgreSQL spent longer planning the nine subqueries (≈ 1.8 ms) than running them
    (≈ 0.9 ms at a million customers); prepared once per connection, it is planned
    once (a generic plan after the first few runs). The connection's ``info`` is
    SQLAlchemy's per-DBAPI-connection dict, emptied when the pool opens a new
    connection, so a reconnect prepares again. ``PREPARE`` is not undone by the read
    path's rollback.
    """
    connection = session.connection()
    name = f"careline_profile_{'with' if with_bills else 'without'}_bills"
    if name not in connection.info:
        sql = str(statement.compile(dialect=connection.dialect))
        for position, (parameter, _) in enumerate(PARAMETERS, start=1):
            sql = sql.replace(f"%({parameter})s", f"${position}")
        types = ", ".join(kind for _, kind in PARAMETERS)
        connection.exec_driver_sql(f"PREPARE {name} ({types}) AS {sql}")
        connection.info[name] = True
    arguments = ", ".join(f"%({parameter})s" for parameter, _ in PARAMETERS)
    return connection.exec_driver_sql(f"EXECUTE {name} ({arguments})", values).one()


@functools.lru_cache(maxsize=4)
def _statement(dialect: str, with_bills: bool) -> tuple[Select, tuple[tuple[str, _Decoder], ...]]:
    """The statement for a dialect, built once: building a select costs more than running it."""
    parts = (_BILLS, *_SQL_PARTS) if with_bills else _SQL_PARTS
    columns, decoders = [], []
    for part in parts:
        column, decode = _aggregated(part, dialect)
        columns.append(column.label(part.name))
        decoders.append((part.name, decode))
    return select(*columns), tuple(decoders)


def _aggregated(part: _Part, dialect: str) -> tuple[ColumnElement, _Decoder]:
    """The part's rows as one JSON array of arrays (rank last), and how to read them back."""
    ranked = part.rows.add_columns(func.row_number().over(order_by=part.order).label("rank")
                                   ).subquery(part.name)
    names = [c.name for c in ranked.c if c.name != "rank"]
    values = [_encoded(ranked.c[name], dialect) for name in names] + [ranked.c["rank"]]
    if dialect == "postgresql":
        aggregate = cast(func.json_agg(func.json_build_array(*values)), Text)
    else:
        aggregate = func.json_group_array(func.json_array(*values))
    row_type = namedtuple(f"{part.name}_row", names)  # type: ignore[misc]
    readers = tuple(_reader(ranked.c[name].type) for name in names)

    def decode(text: Optional[str]) -> list[Any]:
        rows = sorted(json.loads(text, parse_float=Decimal) if text else (),
                      key=lambda values: values[-1])
        return [row_type(*(read(value) if value is not None else None
                           for read, value in zip(readers, values))) for values in rows]

    return select(aggregate).select_from(ranked).scalar_subquery(), decode


def _encoded(column: ColumnElement, dialect: str) -> ColumnElement:
    """PostgreSQL writes UTC datetimes as SQLAlchemy stores them in SQLite: one text form."""
    if dialect == "postgresql" and isinstance(column.type, UtcDateTime):
        return func.to_char(column.op("AT TIME ZONE")(literal_column("'UTC'")),
                            literal_column("'YYYY-MM-DD HH24:MI:SS.US'"))
    return column


def _reader(column_type: Any) -> Callable[[Any], Any]:
    if isinstance(column_type, UtcDateTime):
        return lambda text: datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
    if isinstance(column_type, FixedDecimal):
        return lambda number: column_type.process_result_value(number, None)
    if isinstance(column_type, Date):
        return date.fromisoformat
    if isinstance(column_type, Boolean):
        return bool
    return lambda value: value
