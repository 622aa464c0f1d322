"""Incident writes into the network silo: repository functions over the profile's models.

The network silo's tables belong to the profile store; proactive care is the
one writer of incidents (operators' updates arrive here), so the writes live
beside it rather than in careline.profile. One profile incident row per
affected area: the first area's row carries the operator's id as reference,
further areas ``<id>-2``, ``<id>-3`` … so the bot can name each.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from careline.profile.models import Incident, IncidentService, IncidentUpdate as UpdateRow
from careline.proactive.schemas import IncidentUpdate


def _rows_for(*, session: Session, incident_id: str) -> dict[str, Incident]:
    query = select(Incident).where(
        (Incident.reference == incident_id) | Incident.reference.like(f"{incident_id}-%"))
    return {row.area_code: row for row in session.execute(query).scalars()
            if row.reference == incident_id or row.reference[len(incident_id) + 1:].isdigit()}


def write_incident(*, session: Session, update: IncidentUpdate) -> list[str]:
    """Create or update the incident's rows and log the update; returns the references."""
    rows = _rows_for(session=session, incident_id=update.incident_id)
    status = update.network_status.value
    references = []
    for area in update.areas:
        row = rows.get(area)
        if row is None:
            reference = (update.incident_id if not rows
                         else f"{update.incident_id}-{len(rows) + 1}")
            row = Incident(reference=reference, area_code=area, title=update.summary,
                           severity=update.severity.value, status=status,
                           started_at=update.occurred_at, eta=update.eta)
            session.add(row)
            session.flush()
            session.add_all(IncidentService(incident_id=row.id, service=s)
                            for s in dict.fromkeys(update.services))
            rows[area] = row
        row.title, row.severity, row.status = update.summary, update.severity.value, status
        row.eta = update.eta
        row.resolved_at = update.occurred_at if status == "resolved" else None
        session.add(UpdateRow(incident_id=row.id, at=update.occurred_at, status=status,
                              message=update.summary))
        references.append(row.reference)
    if status == "resolved":
        for area, row in rows.items():
            if area not in update.areas and row.status != "resolved":
                row.status, row.resolved_at = status, update.occurred_at
    return references
