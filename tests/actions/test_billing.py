"""Billing actions answer from the customer's own account, formatted for people."""

from actions.arrangements import (ActionCheckArrangement, ActionCreateArrangement,
                                  ActionSummariseArrangement, ValidateArrangementForm)
from actions.billing import (ActionCheckBalance, ActionCheckDueDate, ActionExplainBill,
                             ActionPaymentOptions)
from actions.disputes import ActionOpenDispute
from actions.plans import ActionChangePlan
from careline.profile.service import ProfileService
from careline.settings import get_settings
from tests.actions.conftest import Conversation, run, verified


async def test_balance_is_the_customers_own_in_pounds_and_a_readable_date(demo):
    turn = await run(ActionCheckBalance(), Conversation(slots=verified(demo["Gareth"])))
    said = turn.kwargs("utter_balance_due")
    balance = ProfileService().balance(customer_id=demo["Gareth"])
    assert said["amount_due"] == f"£{balance.amount_due:,.2f}"
    assert "overdue" in said["payments"]


async def test_all_paid_up_hears_the_last_payment_from_its_own_response(demo):
    turn = await run(ActionCheckBalance(), Conversation(slots=verified(demo["Emma"])))
    last = ProfileService().balance(customer_id=demo["Emma"]).last_payment
    assert turn.responses == ["utter_balance_clear_last_payment"]
    assert turn.kwargs("utter_balance_clear_last_payment")["last_amount"] == \
        f"£{last.amount:,.2f}"


async def test_prepaid_balance_is_credit(demo):
    turn = await run(ActionCheckBalance(), Conversation(slots=verified(demo["Aisha"])))
    assert turn.kwargs("utter_prepaid_credit")["credit"] == "£3.20"


async def test_nothing_from_the_profile_for_an_unverified_person(demo):
    turn = await run(ActionCheckBalance(),
                     Conversation(slots={"customer_id": demo["Gareth"], "verified": False}))
    assert turn.responses == ["utter_need_verification_first"]
    assert all(not key.startswith("amount") for m in turn.messages for key in m)


async def test_due_date_follows_a_balance_question(demo):
    turn = await run(ActionCheckDueDate(), Conversation(slots=verified(demo["Gareth"]),
                                                        intent="ask_due_date"))
    said = turn.kwargs("utter_due_date")
    first = ProfileService().balance(customer_id=demo["Gareth"]).schedule[0]
    assert said["payments"].startswith(f"£{first.amount:,.2f} was due on ")


async def test_bill_shock_explained_line_by_line_and_a_cheaper_plan_offered(demo):
    turn = await run(ActionExplainBill(), Conversation(slots=verified(demo["Tom"])))
    said = turn.kwargs("utter_bill_explained")
    assert said["direction"] == "more"
    assert "Roaming" in said["lines"] and "→" in said["lines"]
    assert turn.responses[-1] == "utter_offer_recommendation"
    assert turn.slots()["offer"] == "recommend_plan"


async def test_payment_link_names_the_account(demo):
    turn = await run(ActionPaymentOptions(), Conversation(slots=verified(demo["Gareth"])))
    said = turn.kwargs("utter_payment_options")
    assert said["pay_url"].endswith("account=CL10000104")


async def test_a_prepaid_customer_is_given_a_top_up_link_not_a_bill_to_pay(demo):
    turn = await run(ActionPaymentOptions(), Conversation(slots=verified(demo["Aisha"])))
    assert "utter_payment_options" not in turn.responses
    said = turn.kwargs("utter_top_up_options")
    balance = ProfileService().balance(customer_id=demo["Aisha"])
    assert said["top_up_url"] == f"{get_settings().top_up_url}?account={balance.account_number}"
    assert said["credit"] == f"£{balance.prepaid_credit:,.2f}"


async def test_arrangement_offered_within_policy_limits(demo):
    turn = await run(ActionCheckArrangement(), Conversation(slots=verified(demo["Gareth"])))
    said = turn.kwargs("utter_arrangement_offer")
    assert said["max_instalments"] >= 2 and said["max_deferral_days"] == 30
    assert turn.slots()["offer"] == "arrangement"


async def test_ineligible_for_an_arrangement_is_told_why_and_offered_a_person(demo):
    turn = await run(ActionCheckArrangement(), Conversation(slots=verified(demo["Emma"])))
    assert "nothing due" in turn.kwargs("utter_arrangement_ineligible")["reason"]
    assert turn.slots()["offer"] == "human"


async def test_instalments_outside_the_policy_are_refused(demo):
    form = ValidateArrangementForm()
    conversation = Conversation(slots=verified(demo["Gareth"], second_factor=True,
                                               arrangement_kind="instalments"))
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    refused = await form.validate_instalments("99", dispatcher, conversation.tracker(), {})
    accepted = await form.validate_instalments("three", dispatcher, conversation.tracker(), {})
    assert refused == {"instalments": None}
    assert dispatcher.messages[0]["response"] == "utter_invalid_instalments"
    assert accepted == {"instalments": "3"}


async def test_a_number_of_payments_said_with_the_choice_is_taken_at_once(demo):
    """"3 instalments please" answers both questions; a number outside the policy (or the
    amount owed, "split my £60") leaves "how many payments?" to be asked."""
    form = ValidateArrangementForm()
    from rasa_sdk.executor import CollectingDispatcher

    tracker = Conversation(slots=verified(demo["Gareth"], second_factor=True)).tracker()
    dispatcher = CollectingDispatcher()
    both = await form.validate_arrangement_kind("3 instalments please", dispatcher, tracker, {})
    assert both == {"arrangement_kind": "instalments", "instalments": "3"}
    assert dispatcher.messages == []
    for said in ("split my £60", "split it into 12", "split it"):
        kind_only = await form.validate_arrangement_kind(said, dispatcher, tracker, {})
        assert kind_only == {"arrangement_kind": "instalments"}, said
        assert dispatcher.messages[-1]["response"] == "utter_arrangement_instalment_limits"


async def test_dates_beyond_the_deferral_limit_are_refused(demo):
    form = ValidateArrangementForm()
    from rasa_sdk.executor import CollectingDispatcher

    tracker = Conversation(slots=verified(demo["Gareth"], arrangement_kind="deferral")).tracker()
    dispatcher = CollectingDispatcher()
    assert await form.validate_deferral_date("in 3 months", dispatcher, tracker, {}) \
        == {"deferral_date": None}
    assert (await form.validate_deferral_date("tomorrow", dispatcher, tracker, {}))["deferral_date"]


async def test_summary_then_confirmed_arrangement_is_created(demo):
    slots = verified(demo["Gareth"], second_factor=True, arrangement_kind="instalments",
                     instalments="3")
    summary = await run(ActionSummariseArrangement(), Conversation(slots=slots))
    assert "3 payments" in summary.kwargs("utter_arrangement_summary")["summary"]
    assert summary.slots()["offer"] == "confirm_arrangement"
    created = await run(ActionCreateArrangement(), Conversation(slots=slots, intent="affirm"))
    said = created.kwargs("utter_arrangement_created")
    assert said["reference"] and said["schedule"].count("£") == 3
    eligibility = ProfileService().arrangement_eligibility(customer_id=demo["Gareth"])
    assert not eligibility.eligible  # one arrangement at a time


async def test_required_slots_follow_the_chosen_kind(demo):
    form = ValidateArrangementForm()
    from rasa_sdk.executor import CollectingDispatcher

    slots = ["security_code", "arrangement_kind", "instalments", "deferral_date"]
    deferral = Conversation(slots=verified(demo["Gareth"], second_factor=True,
                                           arrangement_kind="deferral")).tracker()
    fresh = Conversation(slots=verified(demo["Gareth"])).tracker()
    assert await form.required_slots(slots, CollectingDispatcher(), deferral, {}) \
        == ["arrangement_kind", "deferral_date"]
    assert await form.required_slots(slots, CollectingDispatcher(), fresh, {}) \
        == ["security_code", "arrangement_kind"]


async def test_account_changes_need_the_second_factor_as_well(demo):
    """A verified "yes" whose second factor the identity hook cleared (given on a stronger
    channel than this turn's) changes nothing: plan, arrangement and dispute alike."""
    for action in (ActionCreateArrangement(), ActionChangePlan(), ActionOpenDispute()):
        turn = await run(action, Conversation(slots=verified(demo["Gareth"], plan="unlimited"),
                                              intent="affirm"))
        assert turn.responses == ["utter_need_verification_first"], action.name()
