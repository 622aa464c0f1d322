"""Engagement rows: interactions on every channel and the cases they opened."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from careline.profile.models import Case, Interaction

_interactions = Interaction.__table__
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
