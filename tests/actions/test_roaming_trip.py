"""A roaming pass for Tom's trip to "the US" next month: the country by any common name, the
pass from the day he leaves, prices (passes and plans) with the VAT a postpaid bill adds.
Figures come from the rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.formatting import day, money
from actions.plans import ActionRecommendPlan, ActionShowPlanUsage
from actions.roaming import ActionAddRoamingPass, ActionRoamingQuote, ValidateRoamingForm
from careline import clock
from careline.db.session import get_engine, session_scope
from careline.profile import models
from careline.settings import get_settings
from tests.actions.conftest import Conversation, run, verified


def catalogue_price(url: str, code: str) -> Decimal:
    with session_scope(get_engine(url)) as session:
        return Decimal(session.execute(select(models.AddOn.price)
                                       .where(models.AddOn.code == code)).scalar_one())


def bought(url: str) -> list[tuple[str, date, date, str]]:
    add_on, line_add_on = models.AddOn, models.LineAddOn
    with session_scope(get_engine(url)) as session:
        return [tuple(row) for row in session.execute(
            select(add_on.code, line_add_on.starts_on, line_add_on.ends_on,
                   line_add_on.destination)
            .join(add_on, add_on.id == line_add_on.add_on_id).order_by(line_add_on.id))]


def with_vat(net: Decimal) -> Decimal:
    return (net * (1 + get_settings().vat_rate)).quantize(Decimal("0.01"))


@pytest.mark.parametrize("said", ["the US", "US", "USA", "u.s.a.", "America", "usa"])
async def test_the_us_is_a_country_by_any_common_name(demo, said):
    tracker = Conversation(slots=verified(demo["Tom"])).tracker()
    assert await ValidateRoamingForm().validate_country(
        said, CollectingDispatcher(), tracker, {}) == {"country": "United States"}


@pytest.mark.parametrize("said", ["next month", "soon", "yesterday's date", "in march"])
async def test_a_travel_date_must_name_a_day(demo, said):
    dispatcher = CollectingDispatcher()
    tracker = Conversation(slots=verified(demo["Tom"])).tracker()
    assert await ValidateRoamingForm().validate_travel_date(said, dispatcher, tracker, {}) \
        == {"travel_date": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_travel_date"]


async def test_a_pass_for_next_months_trip_starts_on_the_travel_date_with_vat(demo, careline_db):
    today = clock.today()
    leaving = (today.replace(day=1) + timedelta(days=32)).replace(day=15)  # next month
    form, tracker = ValidateRoamingForm(), Conversation(slots=verified(demo["Tom"])).tracker()
    assert await form.validate_travel_date(f"{leaving.day} {leaving:%B}", CollectingDispatcher(),
                                           tracker, {}) == {"travel_date": leaving.isoformat()}

    slots = verified(demo["Tom"], country="United States", travel_date=leaving.isoformat(),
                     trip_days="10")
    quote = await run(ActionRoamingQuote(), Conversation(slots=slots))
    said = quote.kwargs("utter_roaming_quote")
    daily, monthly = (with_vat(catalogue_price(careline_db, code))
                      for code in ("ROAM-W1-DAY", "ROAM-W1-MONTH"))
    assert said["starts_on"] == day(leaving, today=today)
    assert said["options"] == (f"10 × World Day Pass = {money(daily * 10)}; "
                               f"World Monthly Pass = {money(monthly)}.")
    assert said["vat_note"] == " Prices include VAT."

    added = await run(ActionAddRoamingPass(), Conversation(slots=slots, intent="affirm"))
    done = added.kwargs("utter_roaming_pass_added")
    [(code, starts_on, ends_on, destination)] = bought(careline_db)
    assert (code, starts_on, destination) == ("ROAM-W1-MONTH", leaving, "US")
    assert done["starts_on"] == day(starts_on, today=today)
    assert done["ends_on"] == day(ends_on, today=today)
    assert done["total"] == money(monthly) and done["vat_note"] == " including VAT"
    assert {e["name"]: e["value"] for e in added.events if e.get("event") == "slot"} == {
        "offer": None, "country": None, "travel_date": None, "trip_days": None}


def plan_row(url: str, code: str) -> tuple[Decimal, str]:
    with session_scope(get_engine(url)) as session:
        price, paying = session.execute(select(models.Plan.monthly_price, models.Plan.payment_type)
                                        .where(models.Plan.code == code)).one()
    return Decimal(price), paying


async def test_plan_prices_are_what_the_customer_pays(demo, careline_db):
    """Emma's postpaid bill adds VAT to her plan's catalogue price; Aisha's prepaid plan is
    paid from credit at its catalogue price."""
    emma = await run(ActionShowPlanUsage(), Conversation(slots=verified(demo["Emma"])))
    net, paying = plan_row(careline_db, "SIMO-60")
    assert paying == "postpaid"
    assert emma.kwargs("utter_plan_usage")["price"] == money(with_vat(net))
    aisha = await run(ActionShowPlanUsage(), Conversation(slots=verified(demo["Aisha"])))
    net, paying = plan_row(careline_db, "PAYG-5")
    assert paying == "prepaid" and aisha.kwargs("utter_plan_usage")["price"] == money(net)


async def test_a_recommendations_saving_is_what_the_bill_would_save(demo, careline_db):
    turn = await run(ActionRecommendPlan(), Conversation(slots=verified(demo["Emma"])))
    said = turn.kwargs("utter_recommendation")
    with session_scope(get_engine(careline_db)) as session:
        [recommended] = session.execute(select(models.Plan.monthly_price)
                                        .where(models.Plan.name == said["plan_name"])).one()
    current, _ = plan_row(careline_db, "SIMO-60")
    assert said["price"] == money(with_vat(Decimal(recommended)))
    saving = with_vat(current) - with_vat(Decimal(recommended))
    assert saving > 0 and said["why"] == f"it would save you {money(saving)} a month."
