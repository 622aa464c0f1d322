"""Engagement rows: interactions on every channel and the cases they opened."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from careline.profile.models import Case, Interaction


def recent_interactions(*, session: Session, customer_id: int, limit: int,
                        channel: Optional[str] = None) -> list[tuple[Interaction, Optional[str]]]:
    """Newest first, each with the reference of the case it opened (if any)."""
    statement = (select(Interaction, Case.reference)
                 .outerjoin(Case, Case.id == Interaction.case_id)
                 .where(Interaction.customer_id == customer_id))
    if channel is not None:
        statement = statement.where(Interaction.channel == channel)
    statement = statement.order_by(Interaction.occurred_at.desc(),
                                   Interaction.id.desc()).limit(limit)
    return [(row, reference) for row, reference in session.execute(statement)]


def open_cases(*, session: Session, customer_id: int) -> list[Case]:
    statement = (select(Case).where(Case.customer_id == customer_id, Case.status != "closed")
                 .order_by(Case.opened_at.desc(), Case.id.desc()))
    return list(session.execute(statement).scalars())


def add_case(*, session: Session, case: Case) -> Case:
    session.add(case)
    session.flush()
    return case


def add_interaction(*, session: Session, interaction: Interaction) -> Interaction:
    session.add(interaction)
    session.flush()
    return interaction
