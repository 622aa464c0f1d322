"""A nod to a pending yes/no offer is a YES; anywhere else it stays what NLU read."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                     UserUttered)

from careline.rasa_integration.pending_offer import offer_pending, reading
from careline.rasa_integration.patches import install_all
from tests.careline.rasa_integration.message_handling import NluStandIn, logged, processor_over

OFFER_PERSON = [UserUttered("I lost my job and can't pay"), ActionExecuted("utter_support_financial"),
                BotUttered("Would you like to talk to a person?"), SlotSet("offer", "human"),
                ActionExecuted("action_listen")]
NLU_READ = {"text": "👍", "intent": {"name": "acknowledge", "confidence": 1.0},
            "intent_ranking": [{"name": "acknowledge", "confidence": 1.0}], "entities": []}


def test_an_offer_made_in_the_bot_s_latest_turn_is_pending() -> None:
    assert offer_pending(OFFER_PERSON)


@pytest.mark.parametrize("after", [
    [UserUttered("what's my balance"), ActionExecuted("action_balance"),
     BotUttered("You owe £20.")],  # the conversation moved past the offer
    [SlotSet("offer", None)],  # the offer was taken back
    [ActionExecuted("action_session_start"), SessionStarted(),
     ActionExecuted("action_listen")],  # a new session
])
def test_an_offer_the_conversation_moved_past_is_not(after: list[Any]) -> None:
    assert not offer_pending([*OFFER_PERSON, *after])


def test_no_offer_at_all_is_not_pending() -> None:
    assert not offer_pending([]) and not offer_pending(OFFER_PERSON[:3])


@pytest.mark.parametrize("text", ["👍", "👌", "👍🏽", "yep", "go on", "Yes, go on!", "ok 👍"])
def test_agreement_to_a_pending_offer_is_affirm(text: str) -> None:
    read = reading({**NLU_READ, "text": text}, text=text, pending=True)
    assert read["intent"] == {"name": "affirm", "confidence": 1.0}
    assert read["intent_ranking"] == [read["intent"]] and read["text"] == text


@pytest.mark.parametrize("text, pending", [
    ("👍", False),  # after an answer: a nod ("Glad that helps")
    ("😊", True), ("🤷", True), ("no", True), ("go on then, what's my balance", True),
])
def test_anything_else_keeps_what_nlu_read(text: str, pending: bool) -> None:
    assert reading(NLU_READ, text=text, pending=pending) == NLU_READ


@pytest.fixture
def processor(domain: Domain) -> MessageProcessor:
    install_all()
    return processor_over(domain, NluStandIn(domain, intent="acknowledge", confidence=1.0))


async def test_the_hook_wraps_the_customer_intents_hook() -> None:
    install_all()
    install_all()
    outer = MessageProcessor.parse_message
    assert outer.__wrapped__.__wrapped__ is not None  # two hooks, each applied once
    assert getattr(outer.__wrapped__.__wrapped__, "__wrapped__", None) is None


async def test_a_thumbs_up_to_the_offer_of_a_person_is_logged_as_yes(
        processor: MessageProcessor, domain: Domain) -> None:
    assert (await logged(processor, domain, "👍", OFFER_PERSON)).intent_name == "affirm"
    answered = [*OFFER_PERSON, UserUttered("no thanks"), BotUttered("OK.")]
    assert (await logged(processor, domain, "👍", answered)).intent_name == "acknowledge"
