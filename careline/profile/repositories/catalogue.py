"""Catalogue rows: plans, add-ons and roaming destinations."""

from __future__ import annotations

from typing import Optional, cast

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from careline.profile.models import AddOn, Plan, RoamingDestination


def list_plans(*, session: Session, payment_type: Optional[str] = None,
               available_only: bool = True) -> list[Plan]:
    statement = select(Plan).order_by(Plan.monthly_price, Plan.code)
    if payment_type is not None:
        statement = statement.where(Plan.payment_type == payment_type)
    if available_only:
        statement = statement.where(Plan.available.is_(True))
    return list(session.execute(statement).scalars())


def get_plan_by_code(*, session: Session, code: str) -> Optional[Plan]:
    return cast("Plan | None", session.execute(select(Plan).where(Plan.code == code)).scalars().first())


def find_destination(*, session: Session, country: str) -> Optional[RoamingDestination]:
    """A destination by ISO alpha-2 code or English name, case-insensitively."""
    wanted = country.strip().lower()
    statement = select(RoamingDestination).where(or_(
        func.lower(RoamingDestination.country_code) == wanted,
        func.lower(RoamingDestination.country_name) == wanted,
    ))
    return cast("RoamingDestination | None", session.execute(statement).scalars().first())


def roaming_add_ons(*, session: Session, zone: str) -> list[AddOn]:
    statement = (select(AddOn).where(AddOn.zone == zone,
                                     AddOn.kind.in_(("roaming_daily", "roaming_monthly")))
                 .order_by(AddOn.validity_days))
    return list(session.execute(statement).scalars())
