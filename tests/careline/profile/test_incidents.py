"""The network silo's incident writes and counts, on rows in a rolled-back transaction."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from careline.profile import models
from careline.profile.incidents import incidents_started_by_area, record_incident_update

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_session(request):
    session = request.getfixturevalue("session" if request.param == "sqlite" else "pg_session")
    for code in ("T1", "T2", "T3"):
        session.add(models.NetworkArea(code=code, name=f"Area {code}", region="Test"))
    session.flush()
    return session


def record(session, reference="INC-7", areas=("T1", "T2"), status="investigating", at=NOW,
           **changes):
    values = dict(title="No mobile data", severity="major", services=("mobile_data", "voice",
                                                                      "mobile_data"),
                  eta=at + timedelta(hours=3))
    values.update(changes)
    return record_incident_update(session=session, reference=reference, areas=areas,
                                  status=status, at=at, **values)


def rows(session):
    """This test's incidents (in its test areas): a shared database may hold others'."""
    return {r.reference: r for r in session.execute(select(models.Incident).where(
        models.Incident.area_code.in_(("T1", "T2", "T3")))).scalars()}


def test_one_row_per_area_named_after_the_operators_id_with_its_services(db_session):
    assert record(db_session) == ["INC-7", "INC-7-2"]
    found = rows(db_session)
    assert {ref: row.area_code for ref, row in found.items()} == {"INC-7": "T1", "INC-7-2": "T2"}
    services = db_session.execute(select(models.IncidentService.service).where(
        models.IncidentService.incident_id == found["INC-7"].id)).scalars()
    assert sorted(services) == ["mobile_data", "voice"]


def test_an_update_changes_the_rows_logs_itself_and_a_new_area_gets_the_next_reference(
        db_session):
    record(db_session)
    later = NOW + timedelta(hours=1)
    assert record(db_session, areas=("T2", "T3"), status="fixing", at=later,
                  title="Engineers on site") == ["INC-7-2", "INC-7-3"]
    found = rows(db_session)
    assert (found["INC-7-2"].status, found["INC-7-2"].title) == ("fixing", "Engineers on site")
    assert found["INC-7"].status == "investigating"  # not named in this update
    log = db_session.execute(select(models.IncidentUpdate.status).where(
        models.IncidentUpdate.incident_id == found["INC-7-2"].id)
        .order_by(models.IncidentUpdate.id)).scalars()
    assert list(log) == ["investigating", "fixing"]


def test_resolving_resolves_every_area_of_the_incident_and_no_other_incident(db_session):
    record(db_session)
    record(db_session, reference="INC-70", areas=("T3",))
    record(db_session, reference="INC-7-X", areas=("T3",))  # another operator id, not a sibling
    done = NOW + timedelta(hours=2)
    assert record(db_session, areas=("T1",), status="resolved", at=done) == ["INC-7"]
    found = rows(db_session)
    assert {ref: (row.status, row.resolved_at) for ref, row in found.items()} == {
        "INC-7": ("resolved", done), "INC-7-2": ("resolved", done),
        "INC-70": ("investigating", None), "INC-7-X": ("investigating", None)}


def test_incidents_are_counted_by_area_within_the_period(db_session):
    record(db_session, reference="A", areas=("T1", "T2"), at=NOW - timedelta(days=3))
    record(db_session, reference="B", areas=("T1",), at=NOW - timedelta(days=1))
    record(db_session, reference="C", areas=("T1",), at=NOW)  # at `until`: not counted
    record(db_session, reference="D", areas=("T3",), at=NOW - timedelta(days=9))
    assert incidents_started_by_area(session=db_session, since=NOW - timedelta(days=7),
                                     until=NOW) == {"T1": 2, "T2": 1}
