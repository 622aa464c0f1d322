"""Apply :func:`careline.identity.channel_trust.identity_changes` inside Rasa, every turn.

Why a hook and not a custom action. The identity slots used to map to a custom
action, so every customer message cost a round trip to the action server (the whole
tracker as JSON, a response to check) for a rule that reads only what the channel
proved and a few slots. Rasa has no in-process custom actions, so Careline wraps
``MessageProcessor.run_action_extract_slots`` — the step that runs after every user
message and before any prediction, including external intents (which carry no proof
and change nothing) — and logs the identity slots there, ahead of Rasa's own slot
extraction. It runs in the task of the channel's ``on_new_message`` call, so it sees
the proof that channel set (careline/channels/proven_turn.py). The slots' mappings in
domain/general.yml are plain ``custom`` ones, which Rasa's extraction leaves alone.
Installed by :mod:`careline.rasa_integration.patches`;
tests/careline/rasa_integration/test_channel_identity.py runs it on Rasa's processor.
"""

from __future__ import annotations

from typing import Awaitable, Callable

from rasa.core.channels.channel import OutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from careline.channels.proven_turn import current_proof
from careline.identity.channel_trust import (
    IDENTITY_SLOTS, NAMED_CUSTOMER_SLOT, identity_changes, named_customer_changes,
)


def identity_events(tracker: DialogueStateTracker) -> list[Event]:
    """SlotSet events for what this turn's channel proved about its sender.

    The proof comes from Careline's channel code (careline.channels.proven_turn), never
    from the message: its metadata, input channel and entities are the caller's words.
    """
    proof = current_proof()
    if proof is not None and proof.sender_id != tracker.sender_id:
        proof = None  # proven for another conversation: proves nothing here
    slots = {name: tracker.get_slot(name) for name in IDENTITY_SLOTS}
    changes = {**identity_changes(proof, slots), **named_customer_changes(
        proof, {NAMED_CUSTOMER_SLOT: tracker.get_slot(NAMED_CUSTOMER_SLOT)})}
    return [SlotSet(name, value) for name, value in changes.items()]


def setting_identity_first(original: Callable[..., Awaitable[DialogueStateTracker]]
                           ) -> Callable[..., Awaitable[DialogueStateTracker]]:
    """The patch of ``MessageProcessor.run_action_extract_slots``."""

    async def run_action_extract_slots(self: MessageProcessor, output_channel: OutputChannel,
                                       tracker: DialogueStateTracker) -> DialogueStateTracker:
        tracker.update_with_events(identity_events(tracker), self.domain)
        return await original(self, output_channel, tracker)

    return run_action_extract_slots
