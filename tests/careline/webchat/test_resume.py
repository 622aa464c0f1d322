"""Which question the sign-in form holds back for a web visitor, read from Rasa's own tracker."""

from __future__ import annotations

from typing import Optional

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from careline.webchat.resume import waiting_question

DOMAIN = Domain.from_dict({"slots": {"pending_request": {
    "type": "categorical", "values": ["ask_balance", "ask_plan_usage"], "mappings": []}},
    "forms": {"verification_form": {"required_slots": []}}})


def said(text: str, intent: str) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.99})


def tracker(*events: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("web-anonymous", list(events), DOMAIN.slots)


def asked_then_form(question: str = "what do I owe?",
                    pending: Optional[str] = "ask_balance") -> list[Event]:
    return [said("hi", "greet"), said(question, "ask_balance"),
            ActiveLoop("verification_form"), SlotSet("pending_request", pending)]


def test_the_question_that_started_the_form_is_the_one_held_back():
    assert waiting_question(tracker(*asked_then_form())) == "what do I owe?"
    # the visitor tried an account number first: still the question, not the number
    assert waiting_question(tracker(*asked_then_form(), said("CL123", "inform"))) \
        == "what do I owe?"
    assert waiting_question(tracker(said("how much do i owe", "ask_balance"),
                                    *asked_then_form("and now?"))) == "and now?"


def test_nothing_is_held_back_once_the_form_is_over_or_had_nothing_to_answer():
    assert waiting_question(None) is None
    assert waiting_question(tracker(*asked_then_form(), ActiveLoop(None))) is None
    assert waiting_question(tracker(*asked_then_form(pending=None))) is None
    assert waiting_question(tracker(said("what do I owe?", "ask_balance"))) is None
