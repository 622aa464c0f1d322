"""Network rows: areas, incidents and outage-update subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Sequence, cast

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from careline.profile.models import (Incident, IncidentService, IncidentUpdate, NetworkArea,
                                     OutageSubscriptionRow)

_incidents = Incident.__table__
_areas = NetworkArea.__table__
_updates = IncidentUpdate.__table__
_services = IncidentService.__table__

# Read statements are built once: building a select costs more than running it.
_AREA_INCIDENTS = (
    select(_incidents, _areas.c.name.label("area_name"), _updates.c.at.label("update_at"),
           _updates.c.status.label("update_status"),
           _updates.c.message.label("update_message"))
    .select_from(_incidents
                 .join(_areas, _areas.c.code == _incidents.c.area_code)
                 .outerjoin(_updates, _updates.c.incident_id == _incidents.c.id))
    .where(_incidents.c.area_code == bindparam("area_code"))
    .order_by(_incidents.c.started_at.desc(), _incidents.c.id.desc(), _updates.c.at,
              _updates.c.id))
_UNRESOLVED_AREA_INCIDENTS = _AREA_INCIDENTS.where(_incidents.c.status != "resolved")
_SERVICES = (select(_services.c.incident_id, _services.c.service)
             .where(_services.c.incident_id.in_(bindparam("incident_ids", expanding=True)))
             .order_by(_services.c.incident_id, _services.c.service))


def list_areas(*, session: Session) -> list[NetworkArea]:
    return list(session.execute(select(NetworkArea).order_by(NetworkArea.code)).scalars())


def incidents_for_area(*, session: Session, area_code: str,
                       include_resolved: bool) -> list[Row]:
    """The area's incidents, newest first, one row per update (oldest update first).

    Only unresolved ones unless ``include_resolved``. Rows carry the incident's
    columns, ``area_name`` and ``update_at``/``update_status``/``update_message``
    (NULL for an incident without updates).
    """
    statement = _AREA_INCIDENTS if include_resolved else _UNRESOLVED_AREA_INCIDENTS
    return list(session.execute(statement, {"area_code": area_code}))


def incident_services(*, session: Session, incident_ids: Sequence[int]) -> list[Row]:
    """``(incident_id, service)`` rows of the given incidents; no query for none."""
    if not incident_ids:
        return []
    return list(session.execute(_SERVICES, {"incident_ids": list(incident_ids)}))


def get_incident(*, session: Session, reference: str) -> Optional[Incident]:
    statement = select(Incident).where(Incident.reference == reference)
    return cast("Incident | None", session.execute(statement).scalars().first())


def find_outage_subscription(*, session: Session, customer_id: int, area_code: str,
                             incident_id: Optional[int]) -> Optional[OutageSubscriptionRow]:
    statement = select(OutageSubscriptionRow).where(
        OutageSubscriptionRow.customer_id == customer_id,
        OutageSubscriptionRow.area_code == area_code,
        OutageSubscriptionRow.incident_id.is_(None) if incident_id is None
        else OutageSubscriptionRow.incident_id == incident_id,
    )
    return cast("OutageSubscriptionRow | None", session.execute(statement).scalars().first())


def add_outage_subscription(*, session: Session, customer_id: int, area_code: str,
                            incident_id: Optional[int], channel: str,
                            at: datetime) -> OutageSubscriptionRow:
    row = OutageSubscriptionRow(customer_id=customer_id, area_code=area_code,
                                incident_id=incident_id, channel=channel, created_at=at)
    session.add(row)
    session.flush()
    return row

