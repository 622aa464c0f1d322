"""Plans and roaming from usage and the catalogue."""

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import update

from actions.plans import (ActionChangePlan, ActionListPlans, ActionRecommendPlan,
                           ActionShowPlanUsage, ValidatePlanChangeForm, find_plan)
from actions.roaming import (ActionAddRoamingPass, ActionRoamingOverview, ActionRoamingQuote,
                             ValidateRoamingForm, overview_text)
from careline import clock
from careline.db.session import session_scope
from careline.profile.models import Plan
from careline.profile.service import ProfileService
from tests.actions.conftest import Conversation, run, verified


async def test_plan_and_what_is_left(demo):
    turn = await run(ActionShowPlanUsage(), Conversation(slots=verified(demo["Aisha"])))
    said = turn.kwargs("utter_plan_usage")
    assert said["plan_name"] == "Pay As You Go 5GB"
    assert "GB of data" in said["left"]


async def test_plans_compared_without_an_account(careline_db):
    entities = [{"entity": "plan", "value": "UNL"}, {"entity": "plan", "value": "plus 25gb"}]
    turn = await run(ActionListPlans(), Conversation(intent="compare_plans", entities=entities))
    comparison = turn.kwargs("utter_plans_compared")["comparison"]
    assert "Unlimited" in comparison and "Plus 25GB" in comparison


async def test_one_plan_asked_about_the_cheapest_and_the_biggest_are_one_plan_each(careline_db):
    """After the list, "what's the cheapest one?" is answered, not the list again; the
    figures are the catalogue's own."""
    plans = [p for p in ProfileService().list_plans() if p.available]
    one = await run(ActionListPlans(), Conversation(
        intent="compare_plans", text="tell me about plus 25gb",
        entities=[{"entity": "plan", "value": "plus 25gb"}]))
    assert one.kwargs("utter_plans_compared")["comparison"].startswith("Plus 25GB £")
    assert "Unlimited" not in one.kwargs("utter_plans_compared")["comparison"]
    cheapest = await run(ActionListPlans(), Conversation(intent="compare_plans",
                                                         text="what's the cheapest one"))
    lowest = min(plans, key=lambda p: p.monthly_price)
    assert cheapest.kwargs("utter_cheapest_plan")["plan"].startswith(f"{lowest.name} £")
    biggest = await run(ActionListPlans(), Conversation(intent="compare_plans",
                                                        text="which one has the most data"))
    unlimited = min((p for p in plans if p.data_gb is None), key=lambda p: p.monthly_price)
    assert biggest.kwargs("utter_biggest_plan")["plan"].startswith(f"{unlimited.name} £")
    listed = await run(ActionListPlans(), Conversation(intent="compare_plans",
                                                       text="what plans do you have"))
    assert listed.responses == ["utter_plans"]


async def test_an_empty_catalogue_gets_an_apology_and_a_person_not_an_empty_list(careline_db):
    with session_scope() as session:
        session.execute(update(Plan).values(available=False))
    turn = await run(ActionListPlans(), Conversation(intent="compare_plans"))
    assert turn.responses == ["utter_service_trouble"]
    assert turn.slots()["offer"] == "human"


def test_plan_names_are_forgiving(careline_db):
    plans = ProfileService().list_plans()
    assert find_plan("unlimited max", plans).code == "UNL-MAX"
    assert find_plan("plus 25", plans).code == "SIMO-25"
    assert find_plan("UNL", plans).code == "UNL"
    assert find_plan("platinum", plans) is None


async def test_recommendation_from_usage_is_never_the_current_plan(demo):
    turn = await run(ActionRecommendPlan(), Conversation(slots=verified(demo["Aisha"])))
    slots = turn.slots()
    assert slots["offer"] == "change_plan" and slots["plan"] not in (None, "PAYG-5")
    assert turn.kwargs("utter_recommendation")["plan_name"]


async def test_plan_change_validates_the_plan_then_changes_it(demo):
    form = ValidatePlanChangeForm()
    dispatcher = CollectingDispatcher()
    tracker = Conversation(slots=verified(demo["Emma"], second_factor=True)).tracker()
    assert await form.validate_plan("platinum", dispatcher, tracker, {}) == {"plan": None}
    assert await form.validate_plan("plus 60", dispatcher, tracker, {}) == {"plan": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_unknown_plan",
                                                            "utter_same_plan"]
    chosen = await form.validate_plan("plus 25", dispatcher, tracker, {})
    assert chosen == {"plan": "SIMO-25"}
    turn = await run(ActionChangePlan(), Conversation(
        slots=verified(demo["Emma"], second_factor=True, plan="SIMO-25"), intent="affirm"))
    assert turn.kwargs("utter_plan_changed")["new"] == "Plus 25GB"


async def test_roaming_destination_and_trip_length_are_validated(demo):
    form = ValidateRoamingForm()
    dispatcher = CollectingDispatcher()
    tracker = Conversation(slots=verified(demo["Tom"])).tracker()
    assert await form.validate_country("spain", dispatcher, tracker, {}) == {"country": "Spain"}
    assert await form.validate_country("atlantis", dispatcher, tracker, {}) == {"country": None}
    assert await form.validate_trip_days("two weeks", dispatcher, tracker, {}) \
        == {"trip_days": "14"}
    assert await form.validate_trip_days("400", dispatcher, tracker, {}) == {"trip_days": None}


async def test_roaming_quote_picks_the_cheaper_pass_and_adds_it(demo):
    slots = verified(demo["Tom"], country="United States", trip_days="10",
                     travel_date=clock.today().isoformat())
    quote = await run(ActionRoamingQuote(), Conversation(slots=slots))
    said = quote.kwargs("utter_roaming_quote")
    assert "World" in said["options"] and said["best"]
    assert quote.slots()["offer"] == "roaming_pass"
    added = await run(ActionAddRoamingPass(), Conversation(slots=slots, intent="affirm"))
    assert added.kwargs("utter_roaming_pass_added")["total"].startswith("£")


async def test_roaming_somewhere_named_is_answered_before_sign_in(careline_db):
    turn = await run(ActionRoamingOverview(), Conversation(
        intent="ask_roaming", text="do you cover roaming in spain"))
    said = turn.kwargs("utter_roaming_overview")
    overview = ProfileService().roaming_overview(country="Spain")
    assert said["country"] == "Spain" and overview.included_on
    assert all(plan.name in said["included"] for plan in overview.included_on)
    assert overview.daily is not None and overview.daily.name in said["passes"]
    assert turn.events == []  # nothing about the visitor is kept


async def test_roaming_asked_with_no_destination_we_know_says_nothing_before_sign_in(
        careline_db):
    for text in ("how much is roaming", "roaming in atlantis"):
        turn = await run(ActionRoamingOverview(), Conversation(intent="ask_roaming", text=text))
        assert turn.responses == []


def test_the_overview_reads_as_a_sentence_with_and_without_plans_that_include_it(careline_db):
    spain = overview_text(ProfileService().roaming_overview(country="Spain"))
    usa = overview_text(ProfileService().roaming_overview(country="USA"))
    assert spain["included"].startswith("is included on ") and spain["included"].endswith(".")
    assert spain["passes"].startswith(" On other plans a pass covers it: Europe Day Pass £")
    assert usa["included"] == "is not included on our plans,"
    assert usa["passes"].startswith(" but a pass covers it: World Day Pass £")
