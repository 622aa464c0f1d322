"""Forms never trap: a question about something else ends the form (rejected back to the
policies) instead of being validated as the answer; a real answer still wins whatever the
classifier called it; a secret slot never spends a try on a question."""

from __future__ import annotations

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.arrangements import ValidateArrangementForm
from actions.disputes import ValidateDisputeForm
from actions.identity import ValidateVerificationForm
from actions.roaming import ValidateRoamingForm
from tests.actions.conftest import Conversation, Turn, project_domain, verified


def in_form(form: str, asked: str, text: str, intent: str, slots: dict[str, Any],
            confidence: float = 1.0) -> Tracker:
    """The customer's newest message as the form's validation sees it: the requested slot
    filled from the text after it (a from_text mapping), the form active."""
    tracker = Conversation(slots={**slots, "requested_slot": asked, asked: text}, intent=intent,
                           text=text, active_loop=form).tracker()
    tracker.latest_message["intent"]["confidence"] = confidence
    tracker.events.append({"event": "slot", "name": asked, "value": text})
    return tracker


async def run(form: FormValidationAction, tracker: Tracker) -> Turn:
    dispatcher = CollectingDispatcher()
    events = await form.run(dispatcher, tracker, project_domain())
    return Turn(messages=dispatcher.messages, events=[dict(e) for e in events])


def interrupted(turn: Turn, form: str) -> bool:
    kinds = [(e.get("event"), e.get("name")) for e in turn.events]
    return ("action_execution_rejected", form) in kinds and ("active_loop", None) in kinds


async def test_a_bill_question_inside_the_roaming_form_ends_it_unanswered_by_the_form(demo):
    turn = await run(ValidateRoamingForm(), in_form(
        "roaming_form", "country", "why was my bill so high", "ask_bill_increase",
        verified(demo["Tom"])))
    assert interrupted(turn, "roaming_form")
    assert turn.messages == []  # never "Sorry, I don't have roaming prices for ..."
    assert turn.slots()["country"] is None and turn.slots()["requested_slot"] is None


async def test_a_real_answer_wins_whatever_the_classifier_called_it(demo):
    turn = await run(ValidateRoamingForm(), in_form(
        "roaming_form", "country", "spain", "ask_bill_increase", verified(demo["Tom"])))
    assert not interrupted(turn, "roaming_form")
    assert turn.slots()["country"] == "Spain"


async def test_the_forms_own_topic_is_an_answer_even_when_wrong(demo):
    turn = await run(ValidateRoamingForm(), in_form(
        "roaming_form", "country", "roaming to atlantis", "ask_roaming", verified(demo["Tom"])))
    assert not interrupted(turn, "roaming_form")
    assert turn.responses == ["utter_unknown_country"]


async def test_a_question_at_the_pin_spends_no_try(demo):
    turn = await run(ValidateArrangementForm(), in_form(
        "arrangement_form", "security_code", "is there an outage in LS6", "check_outage",
        verified(demo["Gareth"], second_factor_method="pin")))
    assert interrupted(turn, "arrangement_form")
    assert "verification_attempts" not in turn.slots()
    assert turn.messages == []


async def test_a_pin_is_checked_whatever_the_classifier_called_it(demo):
    turn = await run(ValidateArrangementForm(), in_form(
        "arrangement_form", "security_code", "9753", "ask_balance",
        verified(demo["Gareth"], second_factor_method="pin")))
    assert not interrupted(turn, "arrangement_form")
    assert turn.slots()["second_factor"] is True


async def test_a_sign_in_question_during_sign_in_asks_for_the_code_again_without_a_try(demo):
    turn = await run(ValidateVerificationForm(), in_form(
        "verification_form", "otp_code", "what's my balance", "ask_balance",
        {"claimed_customer_id": demo["Gareth"], "account_number": "CL10000104"}))
    assert not interrupted(turn, "verification_form")
    assert turn.slots() == {"otp_code": None}  # re-asked; verification_attempts untouched


async def test_a_public_question_during_sign_in_is_answered(careline_db):
    turn = await run(ValidateVerificationForm(), in_form(
        "verification_form", "account_number", "what plans do you have", "compare_plans", {}))
    assert interrupted(turn, "verification_form")
    assert turn.messages == []


async def test_a_dispute_reason_is_free_text_unless_the_question_is_certain(demo):
    form, slots = ValidateDisputeForm(), verified(demo["Gareth"], second_factor=True)
    sure = in_form("dispute_form", "dispute_reason", "what's my balance", "ask_balance", slots)
    assert interrupted(await run(form, sure), "dispute_form")
    unsure = in_form("dispute_form", "dispute_reason", "i never used that much data",
                     "ask_plan_usage", slots, confidence=0.6)
    assert (await run(form, unsure)).slots()["dispute_reason"] == "i never used that much data"


async def test_back_in_the_form_after_another_action_it_validates_as_usual(demo):
    tracker = in_form("roaming_form", "country", "why was my bill so high",
                      "ask_bill_increase", verified(demo["Tom"]))
    tracker.events.append({"event": "action", "name": "action_explain_bill"})
    assert not interrupted(await run(ValidateRoamingForm(), tracker), "roaming_form")
