"""An operator's incident update, written to the profile's network silo.

The network tables belong to the profile (``careline.profile.incidents``);
this adapter only turns proactive care's update into the silo's values.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from careline.profile.incidents import record_incident_update
from careline.proactive.schemas import IncidentUpdate


def write_incident(*, session: Session, update: IncidentUpdate) -> list[str]:
    """Create or update the incident's rows and log the update; returns the references."""
    return record_incident_update(
        session=session, reference=update.incident_id, areas=update.areas,
        title=update.summary, severity=update.severity.value,
        status=update.network_status.value, services=update.services,
        at=update.occurred_at, eta=update.eta)
