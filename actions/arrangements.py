"""Payment arrangements: split the amount due into instalments, or pay it later.

Limits come from the operator's policy (careline settings) through
``ProfileService.arrangement_eligibility``; every answer is checked against
the options it offers, and nothing is created before the customer confirms a
summary.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.customer import AccountAction, Customer, apologise, lookup, profiles, write_key
from actions.formatting import day, money
from actions.identity import SecondFactorForm
from actions.parsing import calendar_date, count
from careline import clock
from careline.profile.errors import PolicyViolation
from careline.profile.schemas import (ArrangementEligibility, ArrangementKind,
                                      ArrangementOption, EligibilityReason)

INELIGIBLE_REASONS = {
    EligibilityReason.NOTHING_DUE: "there's nothing due on it right now.",
    EligibilityReason.PREPAID: "it's pay as you go, so there's no bill to spread.",
    EligibilityReason.ARRANGEMENT_ACTIVE: "there's already an arrangement in place.",
    EligibilityReason.RECENTLY_BROKEN: "a recent arrangement was missed, so I can't set "
                                       "up another one here.",
    EligibilityReason.AMOUNT_TOO_SMALL: "the amount due is too small to split.",
}
ARRANGEMENT_SLOTS = ("arrangement_kind", "instalments", "deferral_date")


def instalment_option(eligibility: ArrangementEligibility,
                      instalments: int) -> Optional[ArrangementOption]:
    return next((o for o in eligibility.options if o.kind is ArrangementKind.INSTALMENTS
                 and o.instalments == instalments), None)


def deferral_option(eligibility: ArrangementEligibility) -> Optional[ArrangementOption]:
    return next((o for o in eligibility.options if o.kind is ArrangementKind.DEFERRAL), None)


def most_instalments(eligibility: ArrangementEligibility) -> int:
    return max((o.instalments for o in eligibility.options
                if o.kind is ArrangementKind.INSTALMENTS), default=0)


def kind_from_text(value: Any) -> Optional[str]:
    text = str(value or "").lower()
    if any(word in text for word in ("instal", "install", "split", "part", "spread")):
        return ArrangementKind.INSTALMENTS.value
    if any(word in text for word in ("later", "defer", "date", "extension", "delay", "move")):
        return ArrangementKind.DEFERRAL.value
    return None


class ActionCheckArrangement(AccountAction):
    """Say what the policy allows for this account, or why it allows nothing."""

    def name(self) -> str:
        return "action_check_arrangement"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        eligibility = await lookup(profiles().arrangement_eligibility,
                                   customer_id=customer.customer_id)
        clear = [SlotSet(slot, None) for slot in ARRANGEMENT_SLOTS]
        if not eligibility.eligible:
            dispatcher.utter_message(response="utter_arrangement_ineligible",
                                     reason=INELIGIBLE_REASONS.get(eligibility.reason, ""))
            return [*clear, SlotSet("offer", "human")]
        dispatcher.utter_message(response="utter_arrangement_offer",
                                 amount_due=money(eligibility.amount_due),
                                 max_instalments=most_instalments(eligibility),
                                 min_instalment=money(eligibility.min_instalment),
                                 max_deferral_days=eligibility.max_deferral_days)
        return [*clear, SlotSet("offer", "arrangement")]


class ValidateArrangementForm(SecondFactorForm):
    def name(self) -> str:
        return "validate_arrangement_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        slots = await super().required_slots(domain_slots, dispatcher, tracker, domain)
        kind = tracker.get_slot("arrangement_kind")
        unwanted = {"instalments": {"deferral_date"}, "deferral": {"instalments"}}.get(
            kind, {"instalments", "deferral_date"})
        return [slot for slot in slots if slot not in unwanted]

    async def _eligibility(self, tracker: Tracker) -> ArrangementEligibility:
        return await lookup(profiles().arrangement_eligibility,
                            customer_id=int(tracker.get_slot("customer_id")))

    async def validate_arrangement_kind(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        kind = kind_from_text(value)
        if kind is None:
            dispatcher.utter_message(response="utter_invalid_arrangement_kind")
            return {"arrangement_kind": None}
        eligibility = await self._eligibility(tracker)
        deferral = deferral_option(eligibility)
        wanted = count(value)
        if kind == "instalments" and wanted is not None \
                and instalment_option(eligibility, wanted) is not None:
            # "3 instalments please": asking "how many payments?" next would ignore the 3
            return {"arrangement_kind": kind, "instalments": str(wanted)}
        if kind == "instalments" and most_instalments(eligibility) >= 2:
            dispatcher.utter_message(response="utter_arrangement_instalment_limits",
                                     amount_due=money(eligibility.amount_due),
                                     max_instalments=most_instalments(eligibility),
                                     min_instalment=money(eligibility.min_instalment))
        elif kind == "deferral" and deferral is not None:
            dispatcher.utter_message(response="utter_arrangement_deferral_limits",
                                     latest_date=day(deferral.last_due_on))
        else:
            dispatcher.utter_message(response="utter_invalid_arrangement_kind")
            return {"arrangement_kind": None}
        return {"arrangement_kind": kind}

    async def validate_instalments(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        eligibility = await self._eligibility(tracker)
        wanted = count(value)
        if wanted is None or instalment_option(eligibility, wanted) is None:
            dispatcher.utter_message(response="utter_invalid_instalments",
                                     max_instalments=most_instalments(eligibility),
                                     min_instalment=money(eligibility.min_instalment))
            return {"instalments": None}
        return {"instalments": str(wanted)}

    async def validate_deferral_date(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        eligibility = await self._eligibility(tracker)
        option = deferral_option(eligibility)
        today = clock.today()
        chosen = calendar_date(str(value), today=today)
        if option is None or chosen is None or not today < chosen <= option.last_due_on:
            latest = option.last_due_on if option else today
            dispatcher.utter_message(response="utter_invalid_deferral_date",
                                     due_on=day(today), latest_date=day(latest))
            return {"deferral_date": None}
        return {"deferral_date": chosen.isoformat()}


class ActionSummariseArrangement(AccountAction):
    """Read the arrangement back before anything is created."""

    def name(self) -> str:
        return "action_summarise_arrangement"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        eligibility = await lookup(profiles().arrangement_eligibility,
                                   customer_id=customer.customer_id)
        if tracker.get_slot("arrangement_kind") == "deferral":
            chosen = date.fromisoformat(tracker.get_slot("deferral_date"))
            summary = f"you'll pay {money(eligibility.amount_due)} in full on {day(chosen)}."
        else:
            option = instalment_option(eligibility, int(tracker.get_slot("instalments")))
            if option is None:
                return apologise(dispatcher)
            summary = (f"{option.instalments} payments of about "
                       f"{money(option.instalment_amount)}, the first on "
                       f"{day(option.first_due_on)} and the last on {day(option.last_due_on)}, "
                       f"{money(eligibility.amount_due)} in total.")
        dispatcher.utter_message(response="utter_arrangement_summary", summary=summary)
        return [SlotSet("offer", "confirm_arrangement")]


class ActionCreateArrangement(AccountAction):
    needs_second_factor = True

    def name(self) -> str:
        return "action_create_arrangement"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        clear = [SlotSet(slot, None) for slot in ARRANGEMENT_SLOTS]
        if tracker.get_slot("arrangement_kind") == "deferral":
            chosen = date.fromisoformat(tracker.get_slot("deferral_date"))
            request = dict(kind=ArrangementKind.DEFERRAL,
                           deferral_days=(chosen - clock.today()).days)
        else:
            request = dict(kind=ArrangementKind.INSTALMENTS,
                           instalments=int(tracker.get_slot("instalments")))
        try:
            arrangement = await lookup(profiles().create_payment_arrangement,
                                       customer_id=customer.customer_id,
                                       idempotency_key=write_key(tracker, "arrangement"),
                                       **request)
        except PolicyViolation as refusal:
            dispatcher.utter_message(response="utter_arrangement_ineligible",
                                     reason=f"{refusal.reason}.")
            return [*clear, SlotSet("offer", "human")]
        schedule = ", ".join(f"{money(amount)} on {day(when)}"
                             for when, amount in arrangement.schedule)
        dispatcher.utter_message(response="utter_arrangement_created",
                                 reference=arrangement.reference, schedule=schedule + ".")
        return clear
