"""A retried turn (the same user message run again: nginx, a relay, recovery) changes the
account once and is answered the same; the next turn writes again."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from rasa_sdk import Action
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.arrangements import ActionCreateArrangement, ValidateArrangementForm
from actions.disputes import ActionOpenDispute
from actions.outage import ActionFixedAfterTroubleshooting, ActionReportFault
from actions.plans import ActionChangePlan
from actions.roaming import ActionAddRoamingPass
from careline import clock
from careline.db.session import get_engine, session_scope
from careline.identity.models import FailedCheck
from careline.profile import models
from tests.actions.conftest import Conversation, Turn, run, verified


def count(url: str, model: type, *where: object) -> int:
    with session_scope(get_engine(url)) as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def keys(url: str, kind: str) -> int:
    return count(url, models.AccountWrite, models.AccountWrite.kind == kind)


async def twice(action: Action, conversation: Conversation) -> tuple[Turn, Turn]:
    first = await run(action, conversation)
    again = await run(action, conversation)
    assert again.messages == first.messages and again.events == first.events
    return first, again


async def test_a_retried_dispute_opens_one_case_and_the_next_turn_another(demo, careline_db):
    gareth = demo["Gareth"]
    disputes = (models.Case.customer_id == gareth, models.Case.kind == "dispute")
    before = count(careline_db, models.Case, *disputes)
    turn = Conversation(intent="affirm", message_id="SM-dispute-1", slots=verified(
        gareth, second_factor=True, disputed_charge="Late payment fee",
        disputed_amount="10.00", dispute_reason="I paid on time"))
    first, _ = await twice(ActionOpenDispute(), turn)
    assert count(careline_db, models.Case, *disputes) == before + 1
    assert keys(careline_db, "dispute") == 1
    later = await run(ActionOpenDispute(), replace(turn, message_id="SM-dispute-2"))
    reference = later.kwargs("utter_dispute_opened")["reference"]
    assert reference != first.kwargs("utter_dispute_opened")["reference"]
    assert count(careline_db, models.Case, *disputes) == before + 2


async def test_a_retried_fault_report_opens_one_case(demo, careline_db):
    faults = (models.Case.customer_id == demo["Tom"], models.Case.kind == "fault")
    before = count(careline_db, models.Case, *faults)
    turn = Conversation(slots=verified(demo["Tom"]), intent="deny", message_id="SM-fault-1")
    first, _ = await twice(ActionReportFault(), turn)
    assert count(careline_db, models.Case, *faults) == before + 1
    other = await run(ActionReportFault(), replace(turn, sender_id="another-conversation"))
    assert other.kwargs("utter_fault_reported") != first.kwargs("utter_fault_reported")
    assert count(careline_db, models.Case, *faults) == before + 2


async def test_a_retried_plan_change_changes_once_and_says_the_same(demo, careline_db):
    turn = Conversation(slots=verified(demo["Emma"], second_factor=True, plan="SIMO-25"),
                        intent="affirm", message_id="SM-plan-1")
    first, _ = await twice(ActionChangePlan(), turn)
    assert first.kwargs("utter_plan_changed")["new"] == "Plus 25GB"
    assert keys(careline_db, "plan_change") == 1
    # a new turn asking for the plan the customer is now on is refused, not answered from the key
    later = await run(ActionChangePlan(), replace(turn, message_id="SM-plan-2"))
    assert later.responses == ["utter_service_trouble"]


async def test_a_retried_arrangement_is_made_once_with_one_reference(demo, careline_db):
    turn = Conversation(intent="affirm", message_id="SM-arrange-1", slots=verified(
        demo["Gareth"], second_factor=True, arrangement_kind="instalments", instalments="3"))
    first, _ = await twice(ActionCreateArrangement(), turn)
    assert first.kwargs("utter_arrangement_created")["schedule"].count("£") == 3
    assert count(careline_db, models.Arrangement) == 1
    assert count(careline_db, models.ArrangementInstalment) == 3
    later = await run(ActionCreateArrangement(), replace(turn, message_id="SM-arrange-2"))
    assert later.responses == ["utter_arrangement_ineligible"]  # one arrangement at a time


async def test_a_retried_roaming_pass_is_bought_once(demo, careline_db):
    turn = Conversation(intent="affirm", message_id="SM-roam-1", slots=verified(
        demo["Tom"], country="United States", trip_days="10",
        travel_date=clock.today().isoformat()))
    before = count(careline_db, models.LineAddOn)
    first = await run(ActionAddRoamingPass(), turn)
    bought = count(careline_db, models.LineAddOn) - before
    assert bought >= 1
    again = await run(ActionAddRoamingPass(), turn)
    assert again.messages == first.messages
    assert count(careline_db, models.LineAddOn) - before == bought
    await run(ActionAddRoamingPass(), replace(turn, message_id="SM-roam-2"))
    assert count(careline_db, models.LineAddOn) - before == 2 * bought


async def test_a_retried_note_of_a_fix_is_one_contact(demo, careline_db):
    mine = (models.Interaction.customer_id == demo["Tom"],)
    before = count(careline_db, models.Interaction, *mine)
    turn = Conversation(slots=verified(demo["Tom"]), intent="affirm", message_id="SM-fixed-1")
    await twice(ActionFixedAfterTroubleshooting(), turn)
    assert count(careline_db, models.Interaction, *mine) == before + 1
    await run(ActionFixedAfterTroubleshooting(), replace(turn, message_id="SM-fixed-2"))
    assert count(careline_db, models.Interaction, *mine) == before + 2


async def test_the_same_turn_at_once_on_sqlite_opens_one_case(demo, careline_db):
    """Two replicas running one turn together: the key's claim queues them on SQLite's
    write lock, and the second answers with the first's case."""
    faults = (models.Case.customer_id == demo["Priya"], models.Case.kind == "fault")
    before = count(careline_db, models.Case, *faults)
    turn = Conversation(slots=verified(demo["Priya"], "whatsapp"), intent="deny",
                        message_id="SM-race-1")
    turns = await asyncio.gather(*(run(ActionReportFault(), turn) for _ in range(4)))
    assert len({t.kwargs("utter_fault_reported")["reference"] for t in turns}) == 1
    assert count(careline_db, models.Case, *faults) == before + 1


async def test_a_retried_wrong_pin_is_one_failed_guess_and_is_answered_the_same(
        demo, careline_db):
    """Counted twice, a retried wrong PIN would bring the customer's lockout a guess closer."""
    form, gareth = ValidateArrangementForm(), demo["Gareth"]
    turn = Conversation(slots=verified(gareth, "sms", second_factor_method="pin"),
                        message_id="SM-pin-1")
    first = await form.validate_security_code("1111", CollectingDispatcher(), turn.tracker(), {})
    again = await form.validate_security_code("1111", CollectingDispatcher(), turn.tracker(), {})
    assert again == first and first.get("second_factor") is None
    failures = (FailedCheck.customer_id == gareth,)
    assert count(careline_db, FailedCheck, *failures) == 1
    assert keys(careline_db, "pin_check") == 1
    await form.validate_security_code(
        "1111", CollectingDispatcher(), replace(turn, message_id="SM-pin-2").tracker(), {})
    assert count(careline_db, FailedCheck, *failures) == 2  # the next turn is a new guess
