"""Disputes and outages from the seeded incidents and bills."""

from rasa_sdk.executor import CollectingDispatcher

from actions.disputes import ActionOpenDispute, ValidateDisputeForm
from actions.outage import (ActionCheckOutage, ActionOutageUpdate, ActionReportFault,
                            ActionSubscribeOutage)
from careline.profile.service import ProfileService
from tests.actions.conftest import Conversation, run, verified


async def test_disputed_charge_is_matched_to_a_line_of_the_latest_bill(demo):
    tracker = Conversation(slots=verified(demo["Tom"], second_factor=True)).tracker()
    dispatcher = CollectingDispatcher()
    matched = await ValidateDisputeForm().validate_disputed_charge(
        "the roaming one", dispatcher, tracker, {})
    assert "roaming" in matched["disputed_charge"].lower()
    assert float(matched["disputed_amount"]) > 0
    unknown = await ValidateDisputeForm().validate_disputed_charge(
        "the helicopter rental", dispatcher, tracker, {})
    assert unknown == {"disputed_charge": None}
    assert dispatcher.messages[-1]["response"] == "utter_charge_not_found"


async def test_a_small_dispute_opens_a_case_without_a_person(demo):
    slots = verified(demo["Gareth"], second_factor=True, disputed_charge="Late payment fee",
                     disputed_amount="10.00", dispute_reason="I paid on time")
    turn = await run(ActionOpenDispute(), Conversation(slots=slots, intent="affirm"))
    assert turn.kwargs("utter_dispute_opened")["reference"]
    assert turn.followup() is None


async def test_a_large_dispute_goes_to_a_person_after_the_case_is_opened(demo):
    slots = verified(demo["Tom"], second_factor=True, disputed_charge="Roaming data",
                     disputed_amount="120.00", dispute_reason="I had a pass")
    turn = await run(ActionOpenDispute(), Conversation(slots=slots, intent="affirm"))
    assert turn.kwargs("utter_dispute_opened")["reference"]
    assert turn.slots()["handoff_reason"] == "dispute_over_threshold"
    assert turn.followup() == "action_handoff_to_agent"


async def test_known_outage_in_the_area_with_status_and_eta(demo):
    turn = await run(ActionCheckOutage(), Conversation(slots=verified(demo["Priya"], "whatsapp")))
    said = turn.kwargs("utter_outage_found")
    assert said["area"] and said["reference"] and "expect" in said["eta_note"]
    assert turn.slots()["offer"] == "notify_outage"
    assert turn.slots()["outage_reference"] == said["reference"]


async def test_no_outage_found_starts_troubleshooting(demo):
    turn = await run(ActionCheckOutage(), Conversation(slots=verified(demo["Tom"])))
    assert turn.responses == ["utter_no_outage_troubleshoot"]
    assert turn.slots()["offer"] == "troubleshoot"


async def test_notification_then_update_for_the_same_incident(demo):
    found = await run(ActionCheckOutage(), Conversation(slots=verified(demo["Priya"], "whatsapp")))
    slots = verified(demo["Priya"], "whatsapp", outage_reference=found.slots()["outage_reference"])
    subscribed = await run(ActionSubscribeOutage(), Conversation(slots=slots, intent="affirm"))
    assert subscribed.kwargs("utter_outage_subscribed")["channel_name"] == "WhatsApp"
    again = await run(ActionSubscribeOutage(), Conversation(slots=slots))
    assert again.responses == ["utter_outage_already_subscribed"]
    update = await run(ActionOutageUpdate(), Conversation(slots=slots, intent="outage_update"))
    assert update.kwargs("utter_outage_update")["reference"] == slots["outage_reference"]


async def test_with_no_incident_known_the_customer_hears_of_any_problem_in_their_area(demo):
    subscribed = await run(ActionSubscribeOutage(), Conversation(slots=verified(demo["Tom"])))
    assert subscribed.responses == ["utter_outage_subscribed_area"]
    again = await run(ActionSubscribeOutage(), Conversation(slots=verified(demo["Tom"])))
    assert again.responses == ["utter_outage_already_subscribed_area"]


async def test_fault_reported_when_troubleshooting_did_not_help(demo):
    turn = await run(ActionReportFault(), Conversation(slots=verified(demo["Tom"]), intent="deny"))
    reference = turn.kwargs("utter_fault_reported")["reference"]
    cases = ProfileService().get_profile(customer_id=demo["Tom"]).open_cases
    assert reference in {case.reference for case in cases}


async def test_fixed_by_troubleshooting_is_noted_in_the_contact_history(demo):
    from actions.outage import ActionFixedAfterTroubleshooting

    turn = await run(ActionFixedAfterTroubleshooting(),
                     Conversation(slots=verified(demo["Tom"]), intent="affirm"))
    assert turn.responses == ["utter_glad_fixed"]
    latest = ProfileService().recent_interactions(customer_id=demo["Tom"], limit=1)[0]
    assert "restarting" in latest.summary


async def test_no_update_to_give_without_an_incident(demo):
    turn = await run(ActionOutageUpdate(), Conversation(slots=verified(demo["Gareth"]),
                                                        intent="outage_update"))
    assert turn.responses == ["utter_no_outage_update"]


async def test_an_update_after_a_proactive_notice_is_about_that_incident(demo):
    reference = ProfileService().outages_for_customer(customer_id=demo["Priya"])[0].reference
    turn = await run(ActionOutageUpdate(), Conversation(
        slots=verified(demo["Priya"], "whatsapp", outage_incident=reference),
        intent="outage_update"))
    assert turn.kwargs("utter_outage_update")["reference"] == reference
