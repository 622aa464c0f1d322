"""Misunderstanding and the edges of what the bot does: honest answers, a person on offer.

Rasa's two-stage fallback asks "did you mean …?" and then to rephrase; when
that still fails, :class:`ActionDefaultFallback` offers a person, and hands
over once the handoff policy's limit of misunderstood messages is reached.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.customer import hand_off
from careline.handoff.policy import get_policy
from careline.handoff.triggers import fallback_limit

#: How a guessed intent is read back to the customer in "Did you mean …?".
INTENT_PHRASES = {
    "ask_balance": "your balance", "ask_due_date": "when your bill is due",
    "ask_bill_increase": "why your bill changed", "ask_how_to_pay": "how to pay",
    "request_payment_arrangement": "more time or instalments to pay",
    "dispute_charge": "disputing a charge", "check_outage": "a problem with your service",
    "outage_update": "an update on a fault", "subscribe_outage_updates": "updates on a fault",
    "ask_plan_usage": "your plan and what's left", "compare_plans": "our plans",
    "ask_plan_recommendation": "a better plan for you", "change_plan": "changing your plan",
    "ask_roaming": "using your phone abroad", "verify_identity": "signing in",
    "request_human": "talking to a person", "cancel_service": "leaving us",
    "ask_capabilities": "what I can do",
}


class ActionOutOfScope(Action):
    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_out_of_scope")
        return [SlotSet("offer", "human")]


class ActionAcceptHumanOffer(Action):
    def name(self) -> str:
        return "action_accept_human_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return [SlotSet("offer", None), *hand_off(_offered_reason(tracker))]


def _offered_reason(tracker: Tracker) -> str:
    """``vulnerability`` when the offer accepted came with a line of support, else
    ``requested``: the agent should know why the customer was offered a person."""
    users_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                break
        elif users_seen == 1 and event.get("event") == "bot" and str(
                (event.get("metadata") or {}).get("utter_action", "")).startswith("utter_support_"):
            return "vulnerability"
    return "requested"


class ActionDeclineOffer(Action):
    """The customer said no: confirm nothing changed and forget the offer."""

    def name(self) -> str:
        return "action_decline_offer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        offer = tracker.get_slot("offer") or ""
        dispatcher.utter_message(response="utter_nothing_changed" if offer.startswith("confirm_")
                                 else "utter_ok")
        return [SlotSet("offer", None)]


class ActionDefaultAskAffirmation(Action):
    """"Did you mean …?" in words, not intent names."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        guess = next((r["name"] for r in ranking if r.get("name") in INTENT_PHRASES), None)
        if guess is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        dispatcher.utter_message(response="utter_ask_affirmation", intent=guess,
                                 guess=INTENT_PHRASES[guess])
        return []


class ActionDefaultFallback(Action):
    """Still not understood: offer a person, and hand over at the policy's limit."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        misunderstood = int(tracker.get_slot("misunderstandings") or 0) + 1
        if misunderstood > fallback_limit(get_policy(), segment=None):
            return [UserUtteranceReverted(), SlotSet("misunderstandings", 0),
                    *hand_off("fallback")]
        dispatcher.utter_message(response="utter_default")
        return [UserUtteranceReverted(), SlotSet("misunderstandings", misunderstood),
                SlotSet("offer", "human")]
