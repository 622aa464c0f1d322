"""A retried trigger_intent is not entered twice in the conversation."""

from __future__ import annotations

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from careline.rasa_integration import external_intents
from careline.rasa_integration.patches import install_all

NOTICE = {"outage_incident": "INC-1", "outage_status": "open", "outage_notice": "no data"}


def tracker_with(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("customer-1", list(events))


def test_the_same_external_intent_and_entities_count_as_entered():
    entered = UserUttered.create_external(
        "EXTERNAL_outage_notice", [{"entity": k, "value": v} for k, v in NOTICE.items()])
    tracker = tracker_with(entered)
    assert external_intents.already_entered(tracker, "EXTERNAL_outage_notice", dict(NOTICE))
    resolved = {**NOTICE, "outage_status": "resolved"}
    assert not external_intents.already_entered(tracker, "EXTERNAL_outage_notice", resolved)
    assert not external_intents.already_entered(tracker, "greet", dict(NOTICE))


def test_a_customer_typing_the_same_words_is_not_an_external_intent():
    typed = UserUttered("/EXTERNAL_outage_notice", {"name": "EXTERNAL_outage_notice"},
                        [{"entity": k, "value": v} for k, v in NOTICE.items()])
    assert not external_intents.already_entered(tracker_with(typed), "EXTERNAL_outage_notice", NOTICE)


async def test_the_processor_skips_a_retry_without_touching_the_tracker():
    install_all()
    entered = UserUttered.create_external(
        "EXTERNAL_outage_notice", [{"entity": k, "value": v} for k, v in NOTICE.items()])
    tracker = tracker_with(entered)
    # a bare processor: anything past the check (slot extraction, predictions) would fail
    bare = MessageProcessor.__new__(MessageProcessor)
    await bare.trigger_external_user_uttered("EXTERNAL_outage_notice", dict(NOTICE), tracker,
                                             CollectingOutputChannel())
    assert list(tracker.events) == [entered]
