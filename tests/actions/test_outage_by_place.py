"""Network status by place is public: "is there an outage in LS6?" is answered without
sign-in, from the area's rows; a question about one's own service still needs it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from actions.outage import ActionCheckOutage, eta_note
from careline import clock
from careline.db.session import get_engine, session_scope
from careline.profile import models
from careline.profile.service import ProfileService
from tests.actions.conftest import Conversation, run, verified

ANONYMOUS = {"verified": False}


def area(url: str, code: str) -> tuple[str, list[str]]:
    """The area's name and the titles of its open incidents."""
    with session_scope(get_engine(url)) as session:
        name = session.execute(select(models.NetworkArea.name)
                               .where(models.NetworkArea.code == code)).scalar_one()
        titles = list(session.execute(select(models.Incident.title).where(
            models.Incident.area_code == code, models.Incident.status != "resolved")).scalars())
    return name, titles


def asking(text: str, slots: dict) -> Conversation:
    return Conversation(slots=slots, intent="check_outage", text=text)


@pytest.mark.parametrize("question", ["is there an outage in LS6?", "any network problems in "
                                      "Leeds", "is the network ok at LS6 1LF"])
async def test_an_unknown_person_hears_a_quiet_areas_status_without_signing_in(
        careline_db, question):
    name, open_incidents = area(careline_db, "LS6")
    assert open_incidents == []
    turn = await run(ActionCheckOutage(), asking(question, ANONYMOUS))
    assert turn.responses == ["utter_area_no_outage"]
    assert turn.kwargs("utter_area_no_outage")["area"] == name
    assert turn.slots()["outage_sign_in"] is False


async def test_an_unknown_person_hears_an_areas_known_problem(careline_db):
    name, [title] = area(careline_db, "M1")
    turn = await run(ActionCheckOutage(), asking("is the network down in M1?", ANONYMOUS))
    said = turn.kwargs("utter_area_outage_found")
    assert (said["area"], said["title"]) == (name, title)
    assert turn.slots()["outage_sign_in"] is False and turn.slots()["offer"] is None


async def test_a_question_about_ones_own_service_needs_sign_in_first(careline_db):
    turn = await run(ActionCheckOutage(), asking("my internet is down", ANONYMOUS))
    assert turn.messages == []  # the rules start verification; nothing about any account
    assert turn.slots() == {"outage_sign_in": True}


async def test_a_signed_in_customer_asking_about_a_place_hears_that_place(demo, careline_db):
    name, [title] = area(careline_db, "M1")
    turn = await run(ActionCheckOutage(), asking("any problems in Manchester?",
                                                 verified(demo["Gareth"])))  # he is in Cardiff
    assert turn.kwargs("utter_area_outage_found")["title"] == title


async def test_a_signed_in_customer_without_a_place_hears_their_own_area(demo, careline_db):
    turn = await run(ActionCheckOutage(), asking("calls keep cutting out", verified(demo["Tom"])))
    assert turn.responses == ["utter_no_outage_troubleshoot"]
    assert turn.slots()["outage_sign_in"] is False and turn.slots()["offer"] == "troubleshoot"


def test_an_eta_that_has_passed_is_not_promised_as_to_come(careline_db):
    [outage] = [o for o in ProfileService().area_status(place="M1").outages if o.eta]
    assert eta_note(outage).startswith(" We expect it back by ")
    with time_machine.travel(outage.eta + timedelta(minutes=1), tick=False):
        assert clock.now() > outage.eta
        assert eta_note(outage).startswith(" We expected it back by ")
