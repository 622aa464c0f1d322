"""Subscription rows: lines, their add-ons and usage cycles."""

from __future__ import annotations

from datetime import date
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from careline.profile.models import AddOn, Line, LineAddOn, Plan, UsageCycleRow


def lines_for_customer(*, session: Session, customer_id: int) -> list[Line]:
    """The customer's lines, oldest first (the first is the primary line)."""
    statement = select(Line).where(Line.customer_id == customer_id).order_by(Line.id)
    return list(session.execute(statement).scalars())


def usage_cycles(*, session: Session, line_id: int, limit: int) -> list[UsageCycleRow]:
    """Newest first: the first row is the cycle in progress."""
    statement = (select(UsageCycleRow).where(UsageCycleRow.line_id == line_id)
                 .order_by(UsageCycleRow.cycle_start.desc()).limit(limit))
    return list(session.execute(statement).scalars())


def active_add_ons(*, session: Session, line_id: int, on: date) -> list[LineAddOn]:
    statement = (select(LineAddOn).where(LineAddOn.line_id == line_id, LineAddOn.ends_on >= on)
                 .order_by(LineAddOn.starts_on, LineAddOn.id))
    return list(session.execute(statement).scalars())


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
