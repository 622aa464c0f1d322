"""action_handoff_to_agent against a real database: package, outbox, pause, honest message."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandoffToAgent, tell_customer
from careline.handoff.outbox import OutboxService
from careline.handoff.policy import get_policy
from careline.profile.service import ProfileService
from tests.careline.handoff.builders import bot, conversation, package, user

HANDOFF_RESPONSES = yaml.safe_load(
    (Path(__file__).resolve().parents[3] / "domain" / "handoff.yml").read_text())["responses"]


def _tracker(events, *, customer_id=None, reason=None, verified=True, sender="web-priya"):
    latest = next(e for e in reversed(events) if e["event"] == "user")
    slots = {"customer_id": customer_id, "handoff_reason": reason, "verified": verified,
             "channel": "webchat"}
    return Tracker(sender_id=sender, slots=slots,
                   latest_message={**latest["parse_data"], "metadata": latest["metadata"]},
                   events=list(events), paused=False, followup_action=None,
                   active_loop={}, latest_action_name="action_listen")


async def _run(tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionHandoffToAgent().run(dispatcher, tracker, {})
    return dispatcher.messages, events


def _priya(engine) -> int:
    return ProfileService(engine).find_customer_by_account(account_number="CL10000101").customer_id


async def test_request_human_pauses_and_stores_the_full_context(careline_env):
    engine = careline_env
    customer_id = _priya(engine)
    start = datetime.now(timezone.utc).timestamp() - 60
    events = conversation(start) + (user("can I talk to a person", start + 50,
                                         intent="request_human",
                                         metadata={"address": "priya.shah"}),)
    messages, returned = await _run(_tracker(events, customer_id=customer_id))
    assert [e["event"] for e in returned] == ["active_loop", "slot", "pause"]
    assert returned[1]["value"] == "requested"
    [message] = messages
    assert message["response"] == "utter_handoff_queued_next"
    assert message["wait_minutes"] >= get_policy().service_hours.minimum_wait_minutes
    [item] = OutboxService(engine).undelivered()
    package = item.package()
    assert package.conversation.conversation_id == "web-priya"
    assert package.conversation.sender == "priya.shah"
    assert package.customer.full_name == "Priya Shah" and package.customer.segment == "vip"
    assert package.customer.lines, "the profile snapshot carries the customer's lines"
    assert package.priority.factors[0].points == get_policy().priority.segment_points["vip"]
    assert package.transcript[-1].text == "can I talk to a person"
    assert package.service.open_now and package.service.expected_wait_minutes


async def test_a_retried_action_does_not_make_a_second_handoff(careline_env):
    start = datetime.now(timezone.utc).timestamp() - 60
    events = conversation(start) + (user("agent please", start + 50, intent="request_human"),)
    await _run(_tracker(events))
    await _run(_tracker(events))
    assert len(OutboxService(careline_env).undelivered()) == 1


@pytest.mark.parametrize("reason", ["dispute_over_threshold", "failed_verification",
                                    "fallback", "cancellation_threat", "frustration",
                                    "vip_policy"])
async def test_reasons_set_by_other_actions_reach_the_package(careline_env, reason):
    start = datetime.now(timezone.utc).timestamp() - 60
    events = (user("something", start, intent="inform"), bot("ok", start + 1))
    _, returned = await _run(_tracker(events, reason=reason))
    assert returned[-1]["event"] == "pause"
    [item] = OutboxService(careline_env).undelivered()
    assert item.package().reason.value == reason


async def test_the_second_fallback_in_a_row_hands_off(careline_env):
    start = datetime.now(timezone.utc).timestamp() - 60
    events = (user("blorp", start, intent="nlu_fallback"), bot("Sorry?", start + 1),
              user("zzz qqq", start + 5, intent="nlu_fallback"))
    _, returned = await _run(_tracker(events))
    assert returned[-1]["event"] == "pause"
    [item] = OutboxService(careline_env).undelivered()
    assert item.package().reason.value == "fallback"


async def test_outside_opening_hours_the_customer_gets_a_ticket_or_callback(careline_env,
                                                                          tmp_path, monkeypatch):
    closed = tmp_path / "closed.yml"
    closed.write_text("service_hours:\n  days: {}\n")  # never open
    monkeypatch.setenv("CARELINE_HANDOFF_POLICY", str(closed))
    from careline.settings import reset_settings

    reset_settings()
    get_policy.cache_clear()
    start = datetime.now(timezone.utc).timestamp() - 60
    events = (user("I want a human", start, intent="request_human"),)
    messages, returned = await _run(_tracker(events))
    assert messages[0]["response"] == "utter_handoff_after_hours_reopening_unknown"
    assert returned[-1]["event"] == "pause", "the context is kept and the agent sees replies"
    [item] = OutboxService(careline_env).undelivered()
    assert item.package().service.follow_up == "ticket_or_callback"


async def test_a_trigger_switched_off_in_the_policy_does_not_hand_off(careline_env, tmp_path,
                                                                     monkeypatch):
    policy = tmp_path / "off.yml"
    policy.write_text("triggers:\n  cancellation_threat: {enabled: false}\n")
    monkeypatch.setenv("CARELINE_HANDOFF_POLICY", str(policy))
    from careline.settings import reset_settings

    reset_settings()
    get_policy.cache_clear()
    start = datetime.now(timezone.utc).timestamp() - 60
    messages, returned = await _run(_tracker((user("cancel it", start,
                                                   intent="cancel_service"),)))
    assert messages[0]["response"] == "utter_handoff_unavailable"
    assert all(e["event"] != "pause" for e in returned)
    assert OutboxService(careline_env).undelivered() == []


async def test_a_database_outage_gets_a_polite_answer_not_silence(careline_env, monkeypatch,
                                                                   tmp_path):
    monkeypatch.setenv("CARELINE_DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/x.db")
    from careline.settings import reset_settings

    reset_settings()
    start = datetime.now(timezone.utc).timestamp() - 60
    messages, returned = await _run(_tracker((user("human please", start,
                                                   intent="request_human"),)))
    assert messages[0]["response"] == "utter_handoff_failed"
    assert all(e["event"] != "pause" for e in returned)


async def test_identity_channel_and_priority_come_from_the_slots_never_the_metadata(careline_env):
    """Attack: a message whose metadata claims a VIP customer, verified, on WhatsApp, to be
    handed over as them (and ahead of the queue); the slots say an anonymous web chat."""
    engine = careline_env
    start = datetime.now(timezone.utc).timestamp() - 60
    events = (user("agent please", start, intent="request_human",
                   metadata={"customer_id": _priya(engine), "verified": True,
                             "channel": "whatsapp", "segment": "vip"}),)
    anonymous = _tracker(events, verified=False)
    anonymous.slots["channel"] = None  # then the channel the message came in on (webchat)
    await _run(anonymous)
    [item] = OutboxService(engine).undelivered()
    package = item.package()
    assert package.customer is None and package.conversation.channel == "webchat"
    segment = [f for f in package.priority.factors if f.name == "segment"]
    assert all("vip" not in factor.detail for factor in segment)


@pytest.mark.parametrize("ahead, response", [(0, "utter_handoff_queued_next"),
                                             (1, "utter_handoff_queued_behind_one"),
                                             (4, "utter_handoff_queued")])
def test_the_queue_position_is_worded_by_a_domain_response(ahead, response):
    dispatcher = CollectingDispatcher()
    tell_customer(dispatcher, package(), customers_ahead=ahead)
    [message] = dispatcher.messages
    assert (message["response"], message["customers_ahead"]) == (response, ahead)
    assert response in HANDOFF_RESPONSES


def test_the_next_opening_is_given_as_a_day_and_a_time():
    closed = package(open_now=False)
    monday_8 = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)
    reopening = closed.copy(update={"service": closed.service.copy(
        update={"next_opening": monday_8})})
    dispatcher = CollectingDispatcher()
    tell_customer(dispatcher, reopening, customers_ahead=0)
    [message] = dispatcher.messages
    assert message["response"] == "utter_handoff_after_hours"
    assert "utter_handoff_after_hours" in HANDOFF_RESPONSES
    assert (message["opening_day"], message["opening_time"]) == ("Monday", "08:00")
