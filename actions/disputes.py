"""Disputing a charge: which line of the latest bill, and why; a case once confirmed."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.customer import (AccountAction, Customer, apologise, hand_off, lookup, profiles,
                              verified_customer, write_key)
from actions.formatting import day, money
from actions.identity import SecondFactorForm
from careline.handoff.policy import get_policy
from careline.handoff.triggers import dispute_needs_agent
from careline.profile.schemas import BillCategory, BillExplanation, InvoiceLine

DISPUTE_SLOTS = ("disputed_charge", "dispute_reason", "disputed_amount")
_NOT_DISPUTABLE = {BillCategory.TAX, BillCategory.DISCOUNT}


def disputable_lines(explanation: Optional[BillExplanation]) -> list[InvoiceLine]:
    if explanation is None:
        return []
    return [line for line in explanation.current.lines
            if line.category not in _NOT_DISPUTABLE and line.amount > 0]


def charges_text(lines: list[InvoiceLine]) -> str:
    return "; ".join(f"{n}. {line.description} {money(line.amount)}"
                     for n, line in enumerate(lines, 1))


def match_line(text: str, lines: list[InvoiceLine]) -> Optional[InvoiceLine]:
    """The bill line a customer means: by number in the list, amount, or words it shares."""
    lowered = text.lower()
    amount = re.search(r"(\d+(?:\.\d{1,2})?)", lowered.replace("£", ""))
    number = re.fullmatch(r"\s*(?:number |no\.? )?(\d{1,2})\s*", lowered)
    if number and 1 <= int(number.group(1)) <= len(lines):
        return lines[int(number.group(1)) - 1]
    if amount:
        wanted = Decimal(amount.group(1))
        by_amount = [line for line in lines if line.amount == wanted]
        if len(by_amount) == 1:
            return by_amount[0]
    words = set(re.findall(r"[a-z]{3,}", lowered)) - {"the", "one", "charge", "for", "that"}
    scored = [(len(words & set(re.findall(r"[a-z]{3,}",
                                          f"{line.description} {line.category.value}".lower()))),
               line) for line in lines]
    best = max(scored, key=lambda pair: pair[0], default=(0, None))
    return best[1] if best[0] > 0 else None


class ActionAskDisputedCharge(Action):
    """List the latest bill's charges so the customer can pick one."""

    def name(self) -> str:
        return "action_ask_disputed_charge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        customer = verified_customer(tracker)
        try:
            explanation = await lookup(profiles().explain_bill,
                                       customer_id=customer.customer_id) if customer else None
        except Exception:
            return [*apologise(dispatcher), SlotSet("requested_slot", None)]
        lines = disputable_lines(explanation)
        if explanation is None or not lines:
            dispatcher.utter_message(response="utter_no_bill_yet")
            return []
        dispatcher.utter_message(response="utter_ask_disputed_charge",
                                 issued_on=day(explanation.current.issued_on),
                                 charges=charges_text(lines))
        return []


class ValidateDisputeForm(SecondFactorForm):
    def name(self) -> str:
        return "validate_dispute_form"

    async def validate_disputed_charge(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        explanation = await lookup(profiles().explain_bill,
                                   customer_id=int(tracker.get_slot("customer_id")))
        lines = disputable_lines(explanation)
        line = match_line(str(value), lines)
        if line is None:
            dispatcher.utter_message(response="utter_charge_not_found",
                                     charges=charges_text(lines))
            return {"disputed_charge": None}
        return {"disputed_charge": line.description, "disputed_amount": str(line.amount)}

    async def validate_dispute_reason(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        reason = " ".join(str(value).split())[:500]
        return {"dispute_reason": reason or None}


class ActionSummariseDispute(Action):
    def name(self) -> str:
        return "action_summarise_dispute"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_dispute_summary",
                                 charge=tracker.get_slot("disputed_charge"),
                                 amount=money(Decimal(tracker.get_slot("disputed_amount") or 0)),
                                 reason=tracker.get_slot("dispute_reason"))
        return [SlotSet("offer", "confirm_dispute")]


class ActionOpenDispute(AccountAction):
    """Open the case; a large amount also goes to a person, as the handoff policy asks."""

    needs_second_factor = True

    def name(self) -> str:
        return "action_open_dispute"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        amount = Decimal(tracker.get_slot("disputed_amount"))
        case = await lookup(profiles().open_dispute, customer_id=customer.customer_id,
                            amount=amount,
                            reason=f"{tracker.get_slot('disputed_charge')}: "
                                   f"{tracker.get_slot('dispute_reason')}",
                            channel=customer.channel,
                            idempotency_key=write_key(tracker, "dispute"))
        dispatcher.utter_message(response="utter_dispute_opened", reference=case.reference,
                                 amount=money(amount))
        clear = [SlotSet(slot, None) for slot in DISPUTE_SLOTS]
        reason = dispute_needs_agent(get_policy(), amount=amount)
        if reason is not None:  # the handoff policy wants a person to review large disputes
            return [*clear, *hand_off(reason.value)]
        return clear
