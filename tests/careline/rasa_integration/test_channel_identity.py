"""The identity slots are set inside Rasa's slot extraction from the channel's proof, with no
action-server call."""

from __future__ import annotations

from typing import Optional

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from careline.channels.proven_turn import run_proven
from careline.identity.channel_trust import IDENTITY_SLOTS, Proof


def tracker_after(domain: Domain, metadata: dict, input_channel: str,
                  *earlier: SlotSet, sender_id: str = "conversation") -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(
        sender_id, [*earlier, UserUttered("what do I owe", {"name": "ask_balance"},
                                          input_channel=input_channel, metadata=metadata)],
        slots=domain.slots)
    return tracker


async def extract(processor: MessageProcessor, tracker: DialogueStateTracker, *,
                  customer_id: Optional[int] = None, proved_by: Proof = Proof.NOTHING,
                  channel: Optional[str] = None, sender_id: Optional[str] = None) -> None:
    """Run the real slot extraction the way a Careline channel runs a turn."""
    message = UserMessage("what do I owe", CollectingOutputChannel(),
                          sender_id or tracker.sender_id,
                          input_channel=channel or tracker.get_latest_input_channel())

    async def run(_: UserMessage) -> None:
        await processor.run_action_extract_slots(CollectingOutputChannel(), tracker)

    await run_proven(run, message, customer_id=customer_id, proved_by=proved_by)


async def test_a_whatsapp_proof_identifies_the_customer(processor: MessageProcessor,
                                                        domain: Domain):
    tracker = tracker_after(domain, {}, "whatsapp")
    await extract(processor, tracker, customer_id=1, proved_by=Proof.WHATSAPP_NUMBER)
    assert tracker.get_slot("customer_id") == 1 and tracker.get_slot("verified") is True
    assert tracker.get_slot("channel") == "whatsapp"
    assert tracker.get_slot("verified_by") == "whatsapp_number"
    assert tracker.get_slot("verified_channel") == "whatsapp"


async def test_metadata_and_input_channel_prove_nothing(processor: MessageProcessor,
                                                       domain: Domain):
    """The forged REST body: ``input_channel: whatsapp`` and a verified customer in the
    metadata, with no proof from a channel (Rasa's own REST channel), set no identity."""
    claim = {"channel": "whatsapp", "customer_id": 1, "verified": True}
    tracker = tracker_after(domain, claim, "whatsapp")
    await processor.run_action_extract_slots(CollectingOutputChannel(), tracker)
    assert tracker.get_slot("customer_id") is None and tracker.get_slot("verified") is False
    tracker = tracker_after(domain, claim, "rest")
    await extract(processor, tracker)
    assert tracker.get_slot("customer_id") is None and tracker.get_slot("verified") is False
    assert tracker.get_slot("channel") == "rest"


async def test_a_proof_for_another_conversation_proves_nothing(processor: MessageProcessor,
                                                              domain: Domain):
    tracker = tracker_after(domain, {}, "whatsapp")
    await extract(processor, tracker, customer_id=1, proved_by=Proof.WHATSAPP_NUMBER,
                  sender_id="someone-else")
    assert tracker.get_slot("customer_id") is None and tracker.get_slot("channel") is None


async def test_an_sms_turn_drops_a_whatsapp_verification(processor: MessageProcessor,
                                                         domain: Domain):
    known = [SlotSet("channel", "whatsapp"), SlotSet("customer_id", 1),
             SlotSet("verified", True), SlotSet("verified_by", "whatsapp_number"),
             SlotSet("verified_channel", "whatsapp"), SlotSet("second_factor", True),
             SlotSet("second_factor_by", "pin"), SlotSet("second_factor_channel", "whatsapp")]
    tracker = tracker_after(domain, {}, "sms", *known)
    await extract(processor, tracker, customer_id=1, proved_by=Proof.SMS_NUMBER)
    assert tracker.get_slot("verified") is False and tracker.get_slot("second_factor") is False
    assert tracker.get_slot("customer_id") is None and tracker.get_slot("channel") == "sms"


async def test_a_known_customer_adds_no_events(processor: MessageProcessor, domain: Domain):
    known = [SlotSet("channel", "whatsapp"), SlotSet("customer_id", 1),
             SlotSet("verified", True), SlotSet("verified_by", "whatsapp_number"),
             SlotSet("verified_channel", "whatsapp"), SlotSet("channel_customer_id", 1)]
    tracker = tracker_after(domain, {}, "whatsapp", *known)
    before = len(tracker.events)
    await extract(processor, tracker, customer_id=1, proved_by=Proof.WHATSAPP_NUMBER)
    assert len(tracker.events) == before


def test_the_domain_maps_identity_slots_to_no_action(domain: Domain):
    """A custom mapping naming an action would bring the per-message remote call back."""
    for name in IDENTITY_SLOTS:
        slot = next(s for s in domain.slots if s.name == name)
        assert [m.get("action") for m in slot.mappings] == [None]
