"""Network rows: areas, incidents and outage-update subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from careline.profile.models import Incident, NetworkArea, OutageSubscriptionRow


def get_area(*, session: Session, code: str) -> Optional[NetworkArea]:
    return session.get(NetworkArea, code)


def incidents_for_area(*, session: Session, area_code: str,
                       include_resolved: bool) -> list[Incident]:
    """Newest first; only unresolved ones unless ``include_resolved``."""
    statement = select(Incident).where(Incident.area_code == area_code)
    if not include_resolved:
        statement = statement.where(Incident.status != "resolved")
    statement = statement.order_by(Incident.started_at.desc(), Incident.id.desc())
    return list(session.execute(statement).scalars())


def get_incident(*, session: Session, reference: str) -> Optional[Incident]:
    statement = select(Incident).where(Incident.reference == reference)
    return session.execute(statement).scalars().first()


def find_outage_subscription(*, session: Session, customer_id: int, area_code: str,
                             incident_id: Optional[int]) -> Optional[OutageSubscriptionRow]:
    statement = select(OutageSubscriptionRow).where(
        OutageSubscriptionRow.customer_id == customer_id,
        OutageSubscriptionRow.area_code == area_code,
        OutageSubscriptionRow.incident_id.is_(None) if incident_id is None
        else OutageSubscriptionRow.incident_id == incident_id,
    )
    return session.execute(statement).scalars().first()


def add_outage_subscription(*, session: Session, customer_id: int, area_code: str,
                            incident_id: Optional[int], channel: str,
                            at: datetime) -> OutageSubscriptionRow:
    row = OutageSubscriptionRow(customer_id=customer_id, area_code=area_code,
                                incident_id=incident_id, channel=channel, created_at=at)
    session.add(row)
    session.flush()
    return row

