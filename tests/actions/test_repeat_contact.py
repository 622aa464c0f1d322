"""Conversations that know the customer: Olivia, her open fault and her fourth contact.

Real actions on the seeded demo data (Olivia Brown: an open fault case FLT-DEMO0107 and
three contacts about it in five days, the last handed to an agent).
"""

from actions.fault_cases import ActionBeforeSignIn
from actions.greet import ActionGreet
from actions.handoff import conversation_facts
from actions.outage import ActionCheckOutage, ActionOutageUpdate
from careline.profile.service import ProfileService
from tests.actions.conftest import Conversation, run, verified

ANGRY = "still NO signal at home … absolutely ridiculous"


def unverified_sms(customer_id: int) -> dict:
    """An SMS from the customer's own number: it names her, it verifies nobody."""
    return {"channel": "sms", "verified": False, "channel_customer_id": customer_id}


async def test_a_calm_repeat_contact_hears_her_open_fault_not_troubleshooting(demo):
    turn = await run(ActionCheckOutage(), Conversation(
        slots=verified(demo["Olivia"], "whatsapp"), intent="check_outage",
        text="I have no signal at home"))
    assert turn.responses == ["utter_repeat_contact_known", "utter_open_fault_case",
                              "utter_offer_person_for_case"]
    assert turn.kwargs("utter_open_fault_case")["reference"] == "FLT-DEMO0107"
    assert turn.kwargs("utter_repeat_contact_known")["contacts"] == "3 times"
    assert turn.slots()["offer"] == "human"


async def test_an_angry_repeat_contact_gets_her_case_and_a_person_at_once(demo):
    turn = await run(ActionCheckOutage(), Conversation(
        slots=verified(demo["Olivia"], "whatsapp"), intent="check_outage", text=ANGRY))
    assert turn.responses[-2:] == ["utter_open_fault_case", "utter_sorry_passing_to_person"]
    assert turn.followup() == "action_handoff_to_agent"
    assert turn.slots()["handoff_reason"] == "frustration"


async def test_unverified_over_sms_she_reaches_a_person_without_signing_in(demo):
    turn = await run(ActionCheckOutage(), Conversation(
        slots=unverified_sms(demo["Olivia"]), intent="check_outage", text=ANGRY))
    assert turn.responses == ["utter_sorry_passing_to_person"]  # nothing from the account
    assert turn.followup() == "action_handoff_to_agent"
    assert turn.slots()["outage_sign_in"] is False


async def test_unverified_and_calm_she_signs_in_with_one_texted_code(demo, with_standin):
    turn = await run(ActionBeforeSignIn(), Conversation(
        slots=unverified_sms(demo["Olivia"]), intent="outage_update",
        text="any news on my fault?"))
    assert turn.responses == ["utter_sign_in_code_texted"]
    assert turn.kwargs("utter_sign_in_code_texted")["masked_number"] == "07"
    slots = turn.slots()
    assert slots["sign_in_first"] is True and slots["account_number"] == "CL10000107"
    assert slots["claimed_customer_id"] == demo["Olivia"] and "verified" not in slots
    texts = with_standin.texts_to("+447700900107")
    assert texts and any(char.isdigit() for char in texts[-1])


async def test_an_anonymous_visitor_signs_in_as_before(demo):
    turn = await run(ActionBeforeSignIn(), Conversation(
        slots={"channel": "webchat", "verified": False}, intent="outage_update",
        text="any news on the fault?"))
    assert turn.responses == [] and turn.slots() == {"sign_in_first": True}


async def test_i_already_reported_this_is_answered_with_the_case(demo):
    turn = await run(ActionOutageUpdate(), Conversation(
        slots=verified(demo["Olivia"], "sms"), intent="outage_update",
        text="I already reported this"))
    assert "utter_no_outage_update" not in turn.responses
    assert turn.kwargs("utter_open_fault_case")["reference"] == "FLT-DEMO0107"


async def test_still_broken_after_a_resolved_notice_is_not_good_news(demo):
    resolved = [o for o in ProfileService().outages_for_customer(
        customer_id=demo["Priya"], include_resolved=True) if not o.is_active][0]
    slots = verified(demo["Priya"], "whatsapp", outage_incident=resolved.reference)
    doubt = await run(ActionOutageUpdate(), Conversation(
        slots=slots, intent="outage_update", text="is it really fixed? still nothing here"))
    assert "utter_outage_resolved" not in doubt.responses
    case = doubt.kwargs("utter_outage_fixed_not_for_you")["reference"]
    assert case in {c.reference for c in ProfileService().get_profile(
        customer_id=demo["Priya"]).open_cases}
    # Priya reported the outage yesterday, and "still nothing" is frustrated: a person now
    assert doubt.followup() == "action_handoff_to_agent"
    plain = await run(ActionOutageUpdate(), Conversation(
        slots=verified(demo["Gareth"], "sms", outage_incident=resolved.reference),
        intent="outage_update", text="is it fixed yet?"))
    assert "utter_outage_fixed_not_for_you" not in plain.responses


async def test_a_vulnerability_cue_offers_support_and_a_person_before_anything_else(demo):
    turn = await run(ActionBeforeSignIn(), Conversation(
        slots=unverified_sms(demo["Olivia"]), intent="outage_update",
        text="I'm in hospital next week and need my phone to work, any news?"))
    assert turn.responses == ["utter_support_health"]
    assert turn.slots() == {"sign_in_first": False, "offer": "human"}


async def test_a_verified_customer_is_greeted_by_name_an_sms_sender_is_not(demo):
    known = await run(ActionGreet(), Conversation(slots=verified(demo["Olivia"], "whatsapp"),
                                                  intent="greet", text="hi"))
    said = known.kwargs("utter_greet_known_open_case")
    assert said["customer_name"] == "Olivia" and said["reference"] == "FLT-DEMO0107"
    stranger = await run(ActionGreet(), Conversation(slots=unverified_sms(demo["Olivia"]),
                                                     intent="greet", text="hi"))
    assert stranger.responses == ["utter_greet"]
    emma = await run(ActionGreet(), Conversation(slots=verified(demo["Emma"], "whatsapp"),
                                                 intent="greet", text="hello"))
    assert emma.kwargs("utter_greet_known")["customer_name"] == "Emma"


def test_the_handoff_names_the_sms_customer_unverified(demo):
    facts = conversation_facts(Conversation(slots=unverified_sms(demo["Olivia"]),
                                            text=ANGRY).tracker())
    assert facts.customer_id == demo["Olivia"] and facts.verified is False


async def test_after_a_resolved_notice_a_new_session_still_knows_which_incident(demo):
    """No notice slot in the conversation any more: the notice sent is read from history."""
    from datetime import timedelta

    from careline import clock
    from careline.db.session import get_engine, session_scope
    from careline.proactive.models import Notification
    from careline.settings import get_settings

    resolved = [o for o in ProfileService().outages_for_customer(
        customer_id=demo["Priya"], include_resolved=True) if not o.is_active][0]
    sent = clock.now() - timedelta(hours=1)
    with session_scope(get_engine(get_settings().resolved_database_url)) as session:
        session.add(Notification(incident_id=resolved.reference, version=2, action="resolve",
                                 customer_id=demo["Priya"], segment="vip", status="sent",
                                 tracker="none", created_at=sent, sent_at=sent))
    turn = await run(ActionOutageUpdate(), Conversation(
        slots=verified(demo["Priya"], "whatsapp"), intent="outage_update",
        text="is it really fixed? still nothing here"))
    assert turn.kwargs("utter_outage_fixed_not_for_you")["title"] == resolved.title

