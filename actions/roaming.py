"""Roaming: the cost of a trip, daily passes against a monthly pass, adding the cheaper;
and, before sign-in, what roaming at a named destination costs on our plans."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.customer import AccountAction, Customer, lookup, profiles, write_key
from actions.formatting import day, listing, money
from actions.identity import SecondFactorForm
from actions.parsing import calendar_date, duration_days
from careline import clock
from careline.profile.countries import country_in_text
from careline.profile.errors import InvalidRequest
from careline.profile.pricing import customer_price
from careline.profile.schemas import AddOnInfo, PaymentType, RoamingOverview, RoamingPassOption
from careline.settings import get_settings

logger = logging.getLogger(__name__)

MAX_TRIP_DAYS = 90
#: How far ahead a pass can be bought.
MAX_LEAD_TIME = timedelta(days=365)
TRIP_SLOTS = ("country", "travel_date", "trip_days")
VAT_NOTE = " Prices include VAT."
ROAMING_INTENT = "ask_roaming"


def option_text(option: RoamingPassOption) -> str:
    count = f"{option.passes} × " if option.passes > 1 else ""
    return f"{count}{option.add_on.name} = {money(option.total_price)}"


class ValidateRoamingForm(SecondFactorForm):
    """Country and trip length; no second factor needed for a quote."""

    def name(self) -> str:
        return "validate_roaming_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        return domain_slots

    async def extract_country(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        """The country named in the message that started the form ("roaming in the USA"):
        the NLU model tags only some names, and asking again for one just given is a bug.
        Once the form asks for the country, the answer's own mapping fills it instead."""
        if tracker.get_slot("country") or tracker.get_slot("requested_slot"):
            return {}
        named = country_in_text(asking_text(tracker))
        return {"country": named} if named else {}

    async def validate_country(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        try:  # a one-day quote tells us whether we know the destination
            quote = await lookup(profiles().roaming_quote,
                                 customer_id=int(tracker.get_slot("customer_id")),
                                 country=str(value).strip(), days=1)
        except InvalidRequest:
            dispatcher.utter_message(response="utter_unknown_country", given=str(value))
            return {"country": None}
        return {"country": quote.country_name}

    async def validate_travel_date(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The day the trip starts: the pass starts then, not today."""
        today = clock.today()
        leaving = calendar_date(str(value or ""), today=today)
        if leaving is None or not today <= leaving <= today + MAX_LEAD_TIME:
            dispatcher.utter_message(response="utter_invalid_travel_date")
            return {"travel_date": None}
        return {"travel_date": leaving.isoformat()}

    async def validate_trip_days(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        days = duration_days(value)
        if days is None or not 1 <= days <= MAX_TRIP_DAYS:
            dispatcher.utter_message(response="utter_invalid_days")
            return {"trip_days": None}
        return {"trip_days": str(days)}


class ActionRoamingQuote(AccountAction):
    def name(self) -> str:
        return "action_roaming_quote"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        quote = await lookup(profiles().roaming_quote, customer_id=customer.customer_id,
                             country=str(tracker.get_slot("country")),
                             days=int(tracker.get_slot("trip_days")))
        if quote.included_in_plan or quote.best is None:
            dispatcher.utter_message(response="utter_roaming_included", country=quote.country_name)
            return [SlotSet(slot, None) for slot in TRIP_SLOTS]
        options = "; ".join(option_text(o) for o in (quote.daily, quote.monthly) if o) + "."
        best = option_text(quote.best)
        if quote.saving > 0:
            best += f", saving {money(quote.saving)}"
        dispatcher.utter_message(response="utter_roaming_quote", country=quote.country_name,
                                 days=quote.days, options=options, best=best,
                                 starts_on=day(travel_date(tracker)),
                                 vat_note=VAT_NOTE if quote.vat_included else "")
        return [SlotSet("offer", "roaming_pass")]


class ActionRoamingOverview(Action):
    """Before sign-in, a question about roaming somewhere is answered with what anyone may
    know (the plans that include it, the zone's passes) before the sign-in that pricing
    the visitor's own trip needs; without a destination we know, it says nothing."""

    def name(self) -> str:
        return "action_roaming_overview"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        named = tracker.get_slot("country") or country_in_text(
            str(tracker.latest_message.get("text") or ""))
        if not named:
            return []
        try:
            overview = await lookup(profiles().roaming_overview, country=str(named))
        except InvalidRequest:  # the roaming form asks for the country after sign-in
            return []
        except Exception:  # noqa: BLE001 - the sign-in that follows still helps them
            logger.exception("roaming overview unavailable")
            return []
        dispatcher.utter_message(response="utter_roaming_overview",
                                 country=overview.country_name, **overview_text(overview))
        return []


def overview_text(overview: RoamingOverview) -> dict[str, str]:
    """Where roaming is included, and the passes at pay-monthly prices (with VAT)."""
    plans = [plan.name for plan in overview.included_on]
    passes = [_pass_price(p) for p in (overview.daily, overview.monthly) if p is not None]
    priced = f"{' or '.join(passes)} (pay-monthly prices, with VAT)."
    if plans:
        return {"included": f"is included on {listing(plans)}.",
                "passes": f" On other plans a pass covers it: {priced}" if passes else ""}
    if passes:
        return {"included": "is not included on our plans,",
                "passes": f" but a pass covers it: {priced}"}
    return {"included": "is not included on our plans.", "passes": ""}


def _pass_price(add_on: AddOnInfo) -> str:
    price = money(customer_price(add_on.price, payment_type=PaymentType.POSTPAID,
                                 vat_rate=get_settings().vat_rate))
    period = "a day" if add_on.validity_days == 1 else f"for {add_on.validity_days} days"
    return f"{add_on.name} {price} {period}"


class ActionAddRoamingPass(AccountAction):
    def name(self) -> str:
        return "action_add_roaming_pass"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     customer: Customer) -> list[EventType]:
        result = await lookup(profiles().add_roaming_pass, customer_id=customer.customer_id,
                              country=str(tracker.get_slot("country")),
                              days=int(tracker.get_slot("trip_days")),
                              starts_on=travel_date(tracker),
                              idempotency_key=write_key(tracker, "roaming_pass"))
        names: dict[str, int] = {}
        for active in result.passes:
            names[active.add_on.name] = names.get(active.add_on.name, 0) + 1
        passes = ", ".join(f"{n} × {name}" if n > 1 else name for name, n in names.items())
        dispatcher.utter_message(response="utter_roaming_pass_added", passes=passes,
                                 country=tracker.get_slot("country"),
                                 starts_on=day(result.passes[0].starts_on),
                                 ends_on=day(result.passes[-1].ends_on),
                                 total=money(result.total_price),
                                 vat_note=" including VAT" if result.vat_included else "")
        return [SlotSet(slot, None) for slot in TRIP_SLOTS]


def asking_text(tracker: Tracker) -> str:
    """The message that asked about roaming, usually the latest; signing in may come between
    (SMS asks for a code first). Not one from before the session or an earlier trip's form."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started" or (
                event.get("event") == "active_loop" and event.get("name") == "roaming_form"):
            break
        if event.get("event") == "user" and ((event.get("parse_data") or {}).get(
                "intent") or {}).get("name") == ROAMING_INTENT:
            return str(event.get("text") or "")
    return ""


def travel_date(tracker: Tracker) -> date:
    """The day the customer leaves (the form's ``travel_date``); today if none was asked."""
    given = tracker.get_slot("travel_date")
    return date.fromisoformat(given) if given else clock.today()
