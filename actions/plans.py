"""Plans: what the customer is on and has left, the catalogue, a recommendation from
usage (only when asked, or offered when the bill is the problem), a confirmed change."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.customer import AccountAction, Customer, apologise, lookup, profiles, write_key
from actions.formatting import allowance, data_amount, day, listing, money
from actions.identity import SecondFactorForm
from careline.profile.pricing import customer_price
from careline.profile.schemas import PlanInfo, RecommendationReason
from careline.settings import get_settings

logger = logging.getLogger(__name__)


def gross(plan: PlanInfo) -> Decimal:
    """The plan's monthly price as the customer pays it: with the VAT a postpaid bill adds,
    as the catalogue's prices are without it."""
    return customer_price(plan.monthly_price, payment_type=plan.payment_type,
                          vat_rate=get_settings().vat_rate)


def price(plan: PlanInfo) -> str:
    return money(gross(plan))


def describe(plan: PlanInfo) -> str:
    return (f"{plan.name} {price(plan)}/month: {data_amount(plan.data_gb)}, "
            f"{allowance(plan.minutes, 'minutes')}, {allowance(plan.texts, 'texts')}"
            + (", roaming included" if plan.roaming_included else ""))


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def find_plan(text: str, plans: tuple[PlanInfo, ...]) -> Optional[PlanInfo]:
    """A plan by code ("UNL-MAX") or name, forgiving spacing ("plus 25" → "Plus 25GB")."""
    wanted = _squash(text)
    if not wanted:
        return None
    for plan in plans:
        if wanted in (_squash(plan.code), _squash(plan.name)):
            return plan
    starts = [p for p in plans if _squash(p.name).startswith(wanted)]
    return min(starts, key=lambda p: len(p.name)) if starts else None


#: "What's the cheapest one?" and "which has the most data?" after the list: one plan each.
CHEAPEST = re.compile(r"\b(cheapest|lowest price)\b")
MOST_DATA = re.compile(r"\b(biggest|largest|most data|most gigs)\b")


def _data_then_cheapness(plan: PlanInfo) -> tuple[float, Decimal]:
    """Unlimited data first; between equals, the cheaper plan."""
    data = float("inf") if plan.data_gb is None else float(plan.data_gb)
    return data, -gross(plan)


def available(plans: tuple[PlanInfo, ...], current: Optional[PlanInfo] = None) -> tuple[PlanInfo, ...]:
    """Plans on sale of the same payment type as the current one."""
    return tuple(p for p in plans if p.available
                 and (current is None or p.payment_type == current.payment_type))


class ActionShowPlanUsage(AccountAction):
    def name(self) -> str:
        return "action_show_plan_usage"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        profile = await lookup(profiles().get_profile, customer_id=customer.customer_id,
                               interactions=0)
        line = profile.primary_line
        if line is None:
            return apologise(dispatcher)
        plan = line.plan
        if line.usage is None:
            dispatcher.utter_message(response="utter_plan_no_usage", plan_name=plan.name,
                                     price=price(plan), allowance=describe(plan))
            return []
        cycle = line.usage.current
        used = f"{data_amount(cycle.data_gb)} of data, {cycle.minutes} minutes, {cycle.texts} texts"
        left = []
        if plan.data_gb is not None:
            left.append(f"{data_amount(max(plan.data_gb - cycle.data_gb, Decimal(0)))} of data")
        else:
            left.append("unlimited data")
        left.append(allowance(None if plan.minutes is None else max(plan.minutes - cycle.minutes, 0),
                              "minutes"))
        dispatcher.utter_message(response="utter_plan_usage", plan_name=plan.name,
                                 price=price(plan), usage=used,
                                 left=listing(left), cycle_end=day(cycle.cycle_end))
        return []


class ActionListPlans(Action):
    """The public catalogue; comparing two named plans needs no account."""

    def name(self) -> str:
        return "action_list_plans"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            plans = available(await lookup(profiles().list_plans))
        except Exception:
            logger.exception("plan catalogue unavailable")
            return apologise(dispatcher)
        if not plans:  # an unloaded catalogue must not read "Our plans: ."
            logger.error("the plan catalogue has no plan on sale")
            return apologise(dispatcher)
        named = [p for p in (find_plan(str(e.get("value")), plans)
                             for e in tracker.latest_message.get("entities") or []
                             if e.get("entity") == "plan") if p]
        text = str(tracker.latest_message.get("text") or "").lower()
        if named:  # one plan asked about is described alone, two or three side by side
            dispatcher.utter_message(response="utter_plans_compared",
                                     comparison=" vs ".join(describe(p) for p in named[:3]) + ".")
        elif CHEAPEST.search(text):
            dispatcher.utter_message(response="utter_cheapest_plan",
                                     plan=describe(min(plans, key=gross)))
        elif MOST_DATA.search(text):
            dispatcher.utter_message(response="utter_biggest_plan",
                                     plan=describe(max(plans, key=_data_then_cheapness)))
        else:
            dispatcher.utter_message(response="utter_plans",
                                     plans="; ".join(describe(p) for p in plans) + ".")
        return [SlotSet("offer", None)]


class ActionRecommendPlan(AccountAction):
    """A better plan from the last months' usage, never the current one."""

    def name(self) -> str:
        return "action_recommend_plan"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        advice = await lookup(profiles().recommend_plan, customer_id=customer.customer_id)
        if advice.reason is RecommendationReason.NO_USAGE_HISTORY:
            dispatcher.utter_message(response="utter_no_usage_history")
            return []
        plan = advice.recommended
        if plan is None or plan.code == advice.current.code:
            dispatcher.utter_message(response="utter_already_best_plan",
                                     plan_name=advice.current.name)
            return []
        difference = gross(plan) - gross(advice.current)
        change = money(abs(difference))
        if advice.reason is RecommendationReason.SAVE_MONEY:
            why = f"it would save you {change} a month."
        else:
            why = (f"it gives you {data_amount(plan.data_gb)} so you stop running out, for "
                   f"{change} a month {'more' if difference > 0 else 'less'}.")
        dispatcher.utter_message(response="utter_recommendation", months=3,
                                 avg_data=data_amount(advice.average_data_gb),
                                 avg_minutes=advice.average_minutes, plan_name=plan.name,
                                 price=price(plan), why=why)
        return [SlotSet("plan", plan.code), SlotSet("offer", "change_plan")]


class ValidatePlanChangeForm(SecondFactorForm):
    def name(self) -> str:
        return "validate_plan_change_form"

    async def validate_plan(self, value: Any, dispatcher: CollectingDispatcher,
                            tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        service = profiles()
        profile = await lookup(service.get_profile, customer_id=int(tracker.get_slot("customer_id")),
                               interactions=0)
        current = profile.primary_line.plan if profile.primary_line else None
        plans = available(await lookup(service.list_plans), current)
        plan = find_plan(str(value), plans)
        names = ", ".join(p.name for p in plans)
        if plan is None:
            dispatcher.utter_message(response="utter_unknown_plan", given=str(value), plans=names)
            return {"plan": None}
        if current is not None and plan.code == current.code:
            dispatcher.utter_message(response="utter_same_plan", plan_name=plan.name)
            return {"plan": None}
        return {"plan": plan.code}


class ActionSummarisePlanChange(AccountAction):
    def name(self) -> str:
        return "action_summarise_plan_change"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        service = profiles()
        profile = await lookup(service.get_profile, customer_id=customer.customer_id,
                               interactions=0)
        new = find_plan(str(tracker.get_slot("plan") or ""), await lookup(service.list_plans))
        line = profile.primary_line
        if new is None or line is None:
            return apologise(dispatcher)
        dispatcher.utter_message(response="utter_plan_change_summary", current=line.plan.name,
                                 current_price=price(line.plan), new=new.name,
                                 new_price=price(new))
        return [SlotSet("offer", "confirm_plan_change")]


class ActionChangePlan(AccountAction):
    needs_second_factor = True

    def name(self) -> str:
        return "action_change_plan"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        result = await lookup(profiles().change_plan, customer_id=customer.customer_id,
                              plan_code=str(tracker.get_slot("plan")),
                              idempotency_key=write_key(tracker, "plan_change"))
        dispatcher.utter_message(response="utter_plan_changed", new=result.new.name,
                                 new_price=price(result.new),
                                 effective=day(result.effective_on))
        return [SlotSet("plan", None)]
