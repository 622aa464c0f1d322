"""Answers from the customer's history: their open fault, a person at once, support.

The outage actions ask these first, so a fourth contact in five days about an open
fault hears that fault's status and next step (never "restart your phone" again), a
frustrated repeat contact reaches a person without waiting for sign-in, and a cue of
vulnerability gets support and the offer of a person. An unverified sender (an SMS
number names a line but proves nobody) is told nothing from the account: they get one
short sign-in step, a code texted to the number on file, and then the case.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.contact_history import Triage, latest_text, read_history, triage
from actions.customer import Customer, hand_off, lookup, profiles, write_key
from actions.formatting import moment
from careline.identity.service import SIGN_IN, IdentityService
from careline.profile.enums import CaseStatus
from careline.profile.history import RECENT_DAYS
from careline.profile.schemas import CaseRef, OutageInfo

logger = logging.getLogger(__name__)

#: What happens next for a case, by status: what the customer can expect, honestly.
NEXT_STEPS = {
    CaseStatus.OPEN: "an engineer reviews the network at your address and contacts you "
                     "with what they find",
    CaseStatus.IN_PROGRESS: "an engineer is working on it and will contact you when it's fixed",
}
TIMES = {1: "once", 2: "twice"}
STATUS_WORDS = {CaseStatus.OPEN: "open", CaseStatus.IN_PROGRESS: "being worked on"}
SUPPORT_RESPONSES = {"financial": "utter_support_financial",
                     "bereavement": "utter_support_bereavement",
                     "health": "utter_support_health"}


def case_facts(case: CaseRef) -> dict[str, str]:
    """The variables every case response takes."""
    return {"reference": case.reference, "summary": case.summary.rstrip("."),
            "opened": moment(case.opened_at), "status": STATUS_WORDS.get(case.status, "open"),
            "next_step": NEXT_STEPS.get(case.status, NEXT_STEPS[CaseStatus.OPEN])}


def say_case(dispatcher: CollectingDispatcher, case: CaseRef, seen: Triage) -> None:
    """An open fault's status and next step, and that we know this is not the first time."""
    contacts = seen.history.contacts_about(case) if seen.history else 0
    if contacts:
        dispatcher.utter_message(response="utter_repeat_contact_known", days=RECENT_DAYS,
                                 contacts=TIMES.get(contacts, f"{contacts} times"))
    dispatcher.utter_message(response="utter_open_fault_case", **case_facts(case))


async def answer_verified(dispatcher: CollectingDispatcher, tracker: Tracker
                          ) -> Optional[list[EventType]]:
    """For a verified customer: their history's answer, or ``None`` to go on as usual."""
    seen = await triage(tracker)
    case = seen.history.open_fault if seen.history else None
    if seen.hand_off_now:
        if case is not None:
            say_case(dispatcher, case, seen)
        dispatcher.utter_message(response="utter_sorry_passing_to_person")
        return [SlotSet("outage_reference", None), *hand_off("frustration")]
    if seen.vulnerability is not None:
        if case is not None:
            say_case(dispatcher, case, seen)
        return offer_support(dispatcher, seen)
    if case is not None:
        say_case(dispatcher, case, seen)
        dispatcher.utter_message(response="utter_offer_person_for_case")
        return [SlotSet("offer", "human"), SlotSet("outage_reference", None)]
    return None


@dataclass(frozen=True)
class BeforeSignIn:
    """What to do before sign-in: ``events``, then the sign-in form when ``sign_in``."""

    events: list[EventType]
    sign_in: bool


async def before_sign_in(dispatcher: CollectingDispatcher, tracker: Tracker) -> BeforeSignIn:
    """Before sign-in: a person at once, support, or one short sign-in step.

    A frustrated repeat contact is handed over unverified (the agent sees "not verified");
    a customer the channel names gets a code texted to their number on file, so the form
    asks only for the code; anyone else signs in as usual.
    """
    seen = await triage(tracker)
    if seen.hand_off_now:
        dispatcher.utter_message(response="utter_sorry_passing_to_person")
        return BeforeSignIn(events=hand_off("frustration"), sign_in=False)
    if seen.vulnerability is not None:
        return BeforeSignIn(events=offer_support(dispatcher, seen), sign_in=False)
    prefilled = await one_step_sign_in(dispatcher, seen.customer_id) \
        if seen.customer_id is not None else None
    return BeforeSignIn(events=prefilled or [], sign_in=True)


class ActionBeforeSignIn(Action):
    """Runs where a flow would ask an unverified customer to sign in (``sign_in_first``
    tells the rules whether the form follows)."""

    def name(self) -> str:
        return "action_before_sign_in"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        decided = await before_sign_in(dispatcher, tracker)
        return [SlotSet("sign_in_first", decided.sign_in), *decided.events]


def offer_support(dispatcher: CollectingDispatcher, seen: Triage) -> list[EventType]:
    assert seen.vulnerability is not None
    dispatcher.utter_message(response=SUPPORT_RESPONSES[seen.vulnerability.kind.value])
    return [SlotSet("offer", "human")]


async def one_step_sign_in(dispatcher: CollectingDispatcher,
                           customer_id: int) -> Optional[list[EventType]]:
    """Text a sign-in code to the number on file of the customer the channel names, so the
    verification form asks only for the code. The code goes to the number on file, never
    to the sender: a spoofed SMS gets nowhere. ``None`` (the usual sign-in) when no code
    could go (locked out, over the codes' limit, the store down)."""
    try:
        customer = await lookup(profiles().get_customer, customer_id=customer_id)
        delivery = await IdentityService().send_code(customer_id=customer_id, purpose=SIGN_IN)
    except Exception:
        logger.exception("one-step sign-in could not start for %s", customer_id)
        return None
    if not delivery.sent:
        return None
    dispatcher.utter_message(response="utter_sign_in_code_texted",
                             masked_number=delivery.masked_number)
    return [SlotSet("account_number", customer.account_number),
            SlotSet("claimed_customer_id", customer_id),
            SlotSet("customer_name", customer.first_name)]


_STILL_BROKEN = re.compile(
    r"\b(?:still|not fixed|isn'?t fixed|not working|doesn'?t work|nothing|really fixed"
    r"|no (?:signal|data|service|internet|bars|calls))\b", re.IGNORECASE)


def says_still_broken(text: str) -> bool:
    """"is it really fixed? still nothing here": the fix did not reach this customer."""
    return bool(_STILL_BROKEN.search(text or ""))


async def fixed_but_not_for_them(dispatcher: CollectingDispatcher, tracker: Tracker,
                                 customer: Customer, outage: OutageInfo) -> list[EventType]:
    """An incident marked resolved that the customer says is not: never "good news". Their
    open fault if they have one, else a new fault case, and the offer of a person."""
    seen = await triage(tracker)
    case = seen.history.open_fault if seen.history else None
    if case is None:
        case = await lookup(
            profiles().report_fault, customer_id=customer.customer_id, channel=customer.channel,
            description=f"Still not working after {outage.reference} was resolved: "
                        f"{latest_text(tracker)[:200]}",
            idempotency_key=write_key(tracker, "fault"))
    dispatcher.utter_message(response="utter_outage_fixed_not_for_you", title=outage.title,
                             resolved_at=moment(outage.resolved_at or outage.started_at),
                             reference=case.reference)
    if seen.hand_off_now:
        return [SlotSet("outage_reference", None), *hand_off("frustration")]
    return [SlotSet("offer", "human"), SlotSet("outage_reference", None)]


async def notified_incident(customer_id: int) -> Optional[str]:
    """The incident of the latest outage notice sent to the customer in the last days, for
    a follow-up in a new session that no longer holds the notice's slot."""
    history = await read_history(customer_id)
    return history.notices[0].incident_reference if history and history.notices else None
