"""The identity slots are set inside Rasa's slot extraction, with no action-server call."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from careline.rasa_stores import channel_identity
from careline.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain"))


@pytest.fixture
def processor(domain: Domain) -> MessageProcessor:
    """The real ``run_action_extract_slots`` needs only these attributes; no model, and
    no action endpoint: a remote call would fail the test."""
    channel_identity.install()
    bare = MessageProcessor.__new__(MessageProcessor)
    bare.domain = domain
    bare.action_endpoint = None
    bare.nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return bare


def tracker_after(domain: Domain, metadata: dict, input_channel: str,
                  *earlier: SlotSet) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(
        "conversation", [*earlier, UserUttered("what do I owe", {"name": "ask_balance"},
                                               input_channel=input_channel,
                                               metadata=metadata)],
        slots=domain.slots)
    return tracker


async def test_whatsapp_metadata_identifies_the_customer(processor: MessageProcessor,
                                                         domain: Domain):
    tracker = tracker_after(domain, {"channel": "whatsapp", "customer_id": 1, "verified": True},
                            "whatsapp")
    await processor.run_action_extract_slots(CollectingOutputChannel(), tracker)
    assert tracker.get_slot("customer_id") == 1 and tracker.get_slot("verified") is True
    assert tracker.get_slot("channel") == "whatsapp"
    assert [e.key for e in tracker.events if isinstance(e, SlotSet)] == [
        "channel", "customer_id", "verified"]


async def test_rest_cannot_claim_a_customer(processor: MessageProcessor, domain: Domain):
    tracker = tracker_after(domain, {"channel": "sms", "customer_id": 1, "verified": True},
                            "rest")
    await processor.run_action_extract_slots(CollectingOutputChannel(), tracker)
    assert tracker.get_slot("customer_id") is None and tracker.get_slot("verified") is False
    assert tracker.get_slot("channel") == "rest"


async def test_a_known_customer_adds_no_events(processor: MessageProcessor, domain: Domain):
    known = [SlotSet("channel", "sms"), SlotSet("customer_id", 1), SlotSet("verified", True)]
    tracker = tracker_after(domain, {"channel": "sms", "customer_id": 1, "verified": True},
                            "sms", *known)
    before = len(tracker.events)
    await processor.run_action_extract_slots(CollectingOutputChannel(), tracker)
    assert len(tracker.events) == before


def test_the_domain_maps_identity_slots_to_no_action(domain: Domain):
    """A custom mapping naming an action would bring the per-message remote call back."""
    for name in ("customer_id", "channel", "verified"):
        slot = next(s for s in domain.slots if s.name == name)
        assert [m.get("action") for m in slot.mappings] == [None]
