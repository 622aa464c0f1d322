"""Issue #21: a country named in the message that starts the roaming form is not asked for
again, and an open incident wins over an old "fixed" notice. Real rows, real actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import update

from actions.outage import ActionOutageUpdate
from actions.roaming import ValidateRoamingForm
from careline import clock
from careline.db.session import get_engine, session_scope
from careline.proactive.models import Notification
from careline.profile import models
from careline.profile.countries import country_in_text
from careline.profile.service import ProfileService
from careline.settings import get_settings
from tests.actions.conftest import Conversation, Turn, run, verified

ROAMING_DOMAIN = {"forms": {"roaming_form": {"required_slots": [
    "country", "travel_date", "trip_days"]}}, "slots": {}}


async def run_form(conversation: Conversation) -> Turn:
    """The roaming form's validation as Rasa runs it, with the form's slots in the domain."""
    dispatcher = CollectingDispatcher()
    events = await ValidateRoamingForm().run(dispatcher, conversation.tracker(), ROAMING_DOMAIN)
    return Turn(messages=dispatcher.messages, events=[dict(e) for e in events])


@pytest.mark.parametrize("message", ["how much is roaming in USA",
                                     "roaming in the United States of America",
                                     "going to the States next week"])
async def test_the_first_message_names_the_country(demo, message):
    turn = await run_form(Conversation(
        slots=verified(demo["Tom"], "whatsapp"), intent="ask_roaming", text=message))
    assert turn.slots() == {"country": "United States"} and turn.messages == []


def user(text: str, intent: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


async def test_the_question_asked_before_signing_in_names_the_country(demo):
    """SMS asks for the code first: the form starts on the code, the country was before it."""
    turn = await run_form(Conversation(
        slots=verified(demo["Tom"]), intent="inform", text="123456",
        events=[user("how much is roaming in USA", "ask_roaming"),
                user("12345678", "inform")]))
    assert turn.slots() == {"country": "United States"}


async def test_an_earlier_trip_in_the_session_is_not_this_one(demo):
    """The form started again without a new question: France was the last trip's country."""
    turn = await run_form(Conversation(
        slots=verified(demo["Tom"]), intent="inform", text="123456",
        events=[user("roaming in France", "ask_roaming"),
                {"event": "active_loop", "name": "roaming_form"},
                {"event": "active_loop", "name": None},
                user("12345678", "inform")]))
    assert "country" not in turn.slots()


@pytest.mark.parametrize("message", ["how much is roaming abroad?", "can I use it there",
                                     "IS IT EXPENSIVE TO ROAM", "tell us the roaming prices"])
def test_everyday_words_are_not_countries(message):
    """"in", "is", "it", "us" and "can" are ISO codes: only capitals in a calm message count."""
    assert country_in_text(message) is None


async def test_a_message_naming_no_country_still_asks_for_it(demo):
    turn = await run_form(Conversation(
        slots=verified(demo["Tom"], "whatsapp"), intent="ask_roaming",
        text="how much is roaming?"))
    assert "country" not in turn.slots()


async def test_the_answer_to_which_country_is_not_read_again_from_the_text(demo):
    """Once asked, the slot's own from_text mapping brings the answer; extraction stays out."""
    slots = verified(demo["Tom"], "whatsapp", requested_slot="country")
    turn = await run_form(Conversation(
        slots=slots, intent="inform", text="Spain", active_loop="roaming_form"))
    assert "country" not in turn.slots()


def send_resolved_notice(customer_id: int) -> str:
    """A "fixed" notice, an hour ago, about the customer's latest resolved incident."""
    resolved = [o for o in ProfileService().outages_for_customer(
        customer_id=customer_id, include_resolved=True) if not o.is_active][0]
    sent = clock.now() - timedelta(hours=1)
    with session_scope(get_engine(get_settings().resolved_database_url)) as session:
        session.add(Notification(incident_id=resolved.reference, version=2, action="resolve",
                                 customer_id=customer_id, segment="vip", status="sent",
                                 tracker="none", created_at=sent, sent_at=sent))
    return resolved.reference


async def test_an_open_incident_wins_over_an_old_fixed_notice(demo):
    fixed = send_resolved_notice(demo["Priya"])
    still_open = [o.reference for o in ProfileService().get_profile(
        customer_id=demo["Priya"]).outages if o.is_active]
    assert fixed not in still_open and still_open
    turn = await run(ActionOutageUpdate(), Conversation(
        slots=verified(demo["Priya"], "whatsapp"), intent="outage_update",
        text="any update on the outage?"))
    assert "utter_outage_resolved" not in turn.responses
    assert turn.kwargs("utter_outage_update")["reference"] in still_open
    assert turn.slots()["outage_reference"] in still_open


async def test_a_fixed_incident_is_good_news_when_nothing_is_open(demo):
    """With every incident in her area resolved, the notice's news holds."""
    fixed = send_resolved_notice(demo["Priya"])
    with session_scope(get_engine(get_settings().resolved_database_url)) as session:
        session.execute(update(models.Incident).where(models.Incident.status != "resolved")
                        .values(status="resolved", resolved_at=clock.now()))
    turn = await run(ActionOutageUpdate(), Conversation(
        slots=verified(demo["Priya"], "whatsapp"), intent="outage_update",
        text="any update on the outage?"))
    assert turn.responses == ["utter_outage_resolved"]
    resolved = {o.reference: o.title for o in ProfileService().outages_for_customer(
        customer_id=demo["Priya"], include_resolved=True)}
    assert turn.kwargs("utter_outage_resolved")["title"] == resolved[fixed]
