"""The network silo's incident writes and the area counts reports need, owned by the profile.

Operators' incident updates arrive through proactive care, which calls
:func:`record_incident_update` with plain values; insight counts incidents per
area with :func:`incidents_started_by_area`. Neither touches the network
tables itself. One incident row per affected area: the first area's row
carries the operator's id as reference, further areas ``<id>-2``, ``<id>-3``
… so the bot can name each.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from careline.profile.models import Incident, IncidentService, IncidentUpdate

RESOLVED = "resolved"


def _rows_for(*, session: Session, reference: str) -> dict[str, Incident]:
    """The incident's row per area: ``reference`` itself and its ``-<n>`` siblings only."""
    query = select(Incident).where(
        (Incident.reference == reference) | Incident.reference.like(f"{reference}-%"))
    return {row.area_code: row for row in session.execute(query).scalars()
            if row.reference == reference or row.reference[len(reference) + 1:].isdigit()}


def record_incident_update(*, session: Session, reference: str, areas: Sequence[str],
                           title: str, severity: str, status: str, services: Sequence[str],
                           at: datetime, eta: Optional[datetime]) -> list[str]:
    """Create or update the incident's row in each area and log the update; returns the
    references. A resolving update also resolves the incident's other areas' rows."""
    rows = _rows_for(session=session, reference=reference)
    references = []
    for area in areas:
        row = rows.get(area)
        if row is None:
            row = Incident(reference=reference if not rows else f"{reference}-{len(rows) + 1}",
                           area_code=area, title=title, severity=severity, status=status,
                           started_at=at, eta=eta)
            session.add(row)
            session.flush()
            session.add_all(IncidentService(incident_id=row.id, service=service)
                            for service in dict.fromkeys(services))
            rows[area] = row
        row.title, row.severity, row.status, row.eta = title, severity, status, eta
        row.resolved_at = at if status == RESOLVED else None
        session.add(IncidentUpdate(incident_id=row.id, at=at, status=status, message=title))
        references.append(row.reference)
    if status == RESOLVED:
        for area, row in rows.items():
            if area not in areas and row.status != RESOLVED:
                row.status, row.resolved_at = status, at
    return references


def incidents_started_by_area(*, session: Session, since: datetime,
                              until: datetime) -> dict[str, int]:
    """How many incidents started in each area in ``[since, until)``."""
    return {area: int(count) for area, count in session.execute(
        select(Incident.area_code, func.count(Incident.id))
        .where(Incident.started_at >= since, Incident.started_at < until)
        .group_by(Incident.area_code))}
