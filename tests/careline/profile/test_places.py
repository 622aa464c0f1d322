"""Which served area a question names, and its public status from the rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from careline.profile import models
from careline.profile.places import find_area
from careline.profile.schemas import NetworkAreaInfo
from careline.profile.seed.reference import AREAS

SERVED = [NetworkAreaInfo(code, name, region) for code, name, region in AREAS]


@pytest.mark.parametrize("text, code", [
    ("is there an outage in LS6?", "LS6"), ("outage at ls6 1lf please", "LS6"),
    ("any network problems in Leeds", "LS6"), ("no 4g in Headingley", "LS6"),
    ("problems in manchester city centre?", "M1"), ("is Manchester down", "M1"),
    ("whats up in Edinburgh", "EH1"), ("B1 2HF outage", "B1"),
])
def test_a_postcode_district_or_place_name_names_its_area(text, code):
    assert find_area(text, SERVED).code == code


@pytest.mark.parametrize("text", ["is there an outage", "my internet is down",
                                  "no 4g since 5pm", "outage in ZZ9?", "CL10000104"])
def test_no_place_is_found_where_none_is_named(text):
    assert find_area(text, SERVED) is None


def test_area_status_is_the_areas_open_incidents_from_the_rows(service, seeded_db):
    with seeded_db.session() as session:
        open_in_m1 = set(session.execute(select(models.Incident.reference).where(
            models.Incident.area_code == "M1", models.Incident.status != "resolved")).scalars())
    status = service.area_status(place="is the network down in M1?")
    assert status.area.code == "M1" and open_in_m1
    assert {o.reference for o in status.outages} == open_in_m1
    assert service.area_status(place="anything wrong in LS6").outages == ()
    assert service.area_status(place="is it down where I live") is None
