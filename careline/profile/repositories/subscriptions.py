"""Subscription rows: lines, their add-ons and usage cycles."""

from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from careline.profile.models import AddOn, Line, LineAddOn, Plan, UsageCycleRow

_lines = Line.__table__
_plans = Plan.__table__
_cycles = UsageCycleRow.__table__
_line_add_ons = LineAddOn.__table__
_add_ons = AddOn.__table__

# Read statements are built once: building a select costs more than running it.
#: The customer's cycles ranked per line, newest first (rank 1 = the cycle in progress).
_RANKED_CYCLES = (
    select(_cycles.c.line_id, _cycles.c.cycle_start, _cycles.c.cycle_end, _cycles.c.data_gb,
           _cycles.c.minutes, _cycles.c.texts, _cycles.c.roaming_data_gb,
           func.row_number().over(partition_by=_cycles.c.line_id,
                                  order_by=_cycles.c.cycle_start.desc()).label("rank"))
    .select_from(_cycles.join(_lines, _lines.c.id == _cycles.c.line_id))
    .where(_lines.c.customer_id == bindparam("customer_id"))
    .subquery("ranked"))
_LINES_WITH_USAGE = (
    select(_lines.c.id, _lines.c.msisdn, _lines.c.started_on, _lines.c.contract_ends_on,
           *(c.label(f"plan_{c.name}") for c in _plans.c),
           *(c.label(f"cycle_{c.name}") for c in _RANKED_CYCLES.c if c.name != "line_id"))
    .select_from(_lines
                 .join(_plans, _plans.c.id == _lines.c.plan_id)
                 .outerjoin(_RANKED_CYCLES, and_(_RANKED_CYCLES.c.line_id == _lines.c.id,
                                                 _RANKED_CYCLES.c.rank <= bindparam("cycles"))))
    .where(_lines.c.customer_id == bindparam("customer_id"))
    .order_by(_lines.c.id, _RANKED_CYCLES.c.cycle_start.desc()))
_ACTIVE_ADD_ONS = (
    select(_line_add_ons.c.line_id, _line_add_ons.c.starts_on, _line_add_ons.c.ends_on,
           _line_add_ons.c.destination, *(c.label(f"add_on_{c.name}") for c in _add_ons.c))
    .select_from(_line_add_ons
                 .join(_lines, _lines.c.id == _line_add_ons.c.line_id)
                 .join(_add_ons, _add_ons.c.id == _line_add_ons.c.add_on_id))
    .where(_lines.c.customer_id == bindparam("customer_id"),
           _line_add_ons.c.ends_on >= bindparam("on"))
    .order_by(_line_add_ons.c.starts_on, _line_add_ons.c.id))


def lines_for_customer(*, session: Session, customer_id: int) -> list[Line]:
    """The customer's lines, oldest first (the first is the primary line)."""
    statement = select(Line).where(Line.customer_id == customer_id).order_by(Line.id)
    return list(session.execute(statement).scalars())


def lines_with_usage(*, session: Session, customer_id: int, cycles: int) -> list[Row]:
    """Every line of the customer with its plan and its ``cycles`` newest usage cycles.

    One query, one row per (line, cycle), lines oldest first and cycles newest
    first (``cycle_*`` NULL for a line without usage); ``plan_*`` columns carry
    the plan. However long the history, at most ``cycles`` rows per line.
    """
    return list(session.execute(_LINES_WITH_USAGE,
                                {"customer_id": customer_id, "cycles": cycles}))


def active_add_ons(*, session: Session, customer_id: int, on: date) -> list[Row]:
    """Add-ons on any of the customer's lines that have not ended by ``on``, oldest first.

    Rows carry ``line_id``, the dates, ``destination`` and the catalogue's
    ``add_on_*`` columns.
    """
    return list(session.execute(_ACTIVE_ADD_ONS, {"customer_id": customer_id, "on": on}))


def set_line_plan(*, session: Session, line: Line, plan: Plan,
                  contract_ends_on: Optional[date]) -> None:
    line.plan = plan
    line.contract_ends_on = contract_ends_on


def add_line_add_on(*, session: Session, line: Line, add_on: AddOn, starts_on: date,
                    ends_on: date, destination: Optional[str]) -> LineAddOn:
    row = LineAddOn(line_id=line.id, add_on=add_on, starts_on=starts_on, ends_on=ends_on,
                    destination=destination, price=add_on.price)
    session.add(row)
    session.flush()
    return row
