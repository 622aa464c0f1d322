"""Forms never trap: the base of every form's validation action.

A form's ``from_text`` mappings take whatever the customer writes as the answer to the
question it asked, so without this "why was my bill so high" became a country to quote
roaming for. :class:`InterruptibleForm` looks at the message first: a clear question about
something else, one that is not an acceptable answer, ends the form and is rejected back to
the policies, whose rules answer it as they would outside any form (the form is dropped
rather than resumed, so its question does not cut across the answer). Stopping ("cancel",
"never mind") is the ``deny`` intent, which no form extracts; the rules in
data/rules/forms.yml end the form with ``utter_form_stopped``.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from typing import Optional

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

#: Intents the rules answer (or start another flow for) outside any form.
QUESTION_INTENTS = frozenset({
    "ask_balance", "ask_due_date", "ask_bill_increase", "ask_how_to_pay",
    "request_payment_arrangement", "dispute_charge", "check_outage", "outage_update",
    "subscribe_outage_updates", "ask_plan_usage", "compare_plans", "ask_plan_recommendation",
    "change_plan", "ask_roaming", "ask_capabilities", "bot_challenge"})
#: Questions anyone may have answered: they interrupt even the sign-in.
PUBLIC_QUESTIONS = frozenset({"compare_plans", "check_outage", "ask_capabilities",
                              "bot_challenge"})
#: Intents a form's own answers are often read as ("the roaming charge" for the charge to
#: dispute): never an interruption of that form. The sign-in is the answer to every
#: question that needs it, so those keep it going.
OWN_INTENTS: dict[str, frozenset[str]] = {
    "roaming_form": frozenset({"ask_roaming"}),
    "arrangement_form": frozenset({"request_payment_arrangement", "ask_how_to_pay"}),
    "dispute_form": frozenset({"dispute_charge", "ask_bill_increase"}),
    "plan_change_form": frozenset({"change_plan", "compare_plans", "ask_plan_recommendation",
                                   "ask_plan_usage"}),
    "verification_form": QUESTION_INTENTS - PUBLIC_QUESTIONS,
}
#: Answers that are checked against an account (a try used up): a message without a run of
#: digits (a PIN, a code, an account or mobile number; "LS6" is not one) is never tried.
SECRET_SLOTS = frozenset({"account_number", "otp_code", "security_code"})
_SECRET_LIKE = re.compile(r"\d{4,}")
#: Slots any text fills (a dispute's reason): only a question the classifier is sure of
#: interrupts them.
FREE_TEXT_SLOTS = frozenset({"dispute_reason"})
FREE_TEXT_CONFIDENCE = 0.9
#: Actions that run between the customer's message and the form without answering it.
_NOT_ANSWERS = frozenset({"action_listen", "action_extract_slots"})


def latest_intent(tracker: Tracker) -> tuple[Optional[str], float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def reading_the_customer(tracker: Tracker, form: str) -> bool:
    """True when the form runs on the customer's newest message (not when it comes back
    after another action has answered it)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in _NOT_ANSWERS | {form}:
            return False
    return False


def filled(events: list[EventType], slot: str) -> bool:
    return any(e.get("event") == "slot" and e.get("name") == slot and e.get("value") is not None
               for e in events)


class InterruptibleForm(FormValidationAction):
    """Validation that lets a question about something else end the form instead."""

    @abstractmethod
    def name(self) -> str:
        """Each form's validation action names itself (abstract: rasa_sdk registers no base)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        form = (tracker.active_loop or {}).get("name") or self.form_name()
        asked = tracker.get_slot("requested_slot")
        intent, confidence = latest_intent(tracker)
        if form == "verification_form" and intent == "affirm" and asked \
                and tracker.get_slot("offer") == "human" and reading_the_customer(tracker, form):
            return interrupt(form, asked)  # YES to the person offered beside the sign-in
        if not asked or intent not in QUESTION_INTENTS \
                or not reading_the_customer(tracker, form):
            return await super().run(dispatcher, tracker, domain)
        own = intent in OWN_INTENTS.get(form, frozenset())
        text = str(tracker.latest_message.get("text") or "")
        if asked in SECRET_SLOTS:
            if _SECRET_LIKE.search("".join(text.split())):
                return await super().run(dispatcher, tracker, domain)
            # not a code or number, so no try: ask again, or answer the other question
            return [SlotSet(asked, None)] if own else interrupt(form, asked)
        if own:
            return await super().run(dispatcher, tracker, domain)
        if asked in FREE_TEXT_SLOTS:
            if confidence >= FREE_TEXT_CONFIDENCE:
                return interrupt(form, asked)
            return await super().run(dispatcher, tracker, domain)
        tried = CollectingDispatcher()  # its "sorry, that's not a country" is said only if kept
        events = await super().run(tried, tracker, domain)
        if filled(events, asked):
            dispatcher.messages.extend(tried.messages)
            return events
        return interrupt(form, asked)


def interrupt(form: str, asked: str) -> list[EventType]:
    """End the form without running it: the policies then predict for the message as if no
    form had been active (the rejected form logs no action)."""
    return [ActionExecutionRejected(form), ActiveLoop(None), SlotSet("requested_slot", None),
            SlotSet(asked, None)]
