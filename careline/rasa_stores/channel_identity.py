"""Apply :func:`careline.identity.channel_trust.identity_changes` inside Rasa, every turn.

Why a hook and not a custom action. The identity slots used to map to a custom
action, so every customer message cost a round trip to the action server (the whole
tracker as JSON, a response to check) for a rule that reads only the message's
metadata and three slots. Rasa has no in-process custom actions and no slot mapping
from metadata, so Careline wraps ``MessageProcessor.run_action_extract_slots`` — the
step that runs after every user message and before any prediction, including
external intents — and logs the identity slots there, ahead of Rasa's own slot
extraction. The slots' mappings in domain/general.yml are plain ``custom`` ones, which
Rasa's extraction leaves alone. rasa is pinned to 3.6.21, and
tests/careline/rasa_stores/test_channel_identity.py fails if the hook stops applying.
"""

from __future__ import annotations

from rasa.core.channels.channel import OutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from careline.identity.channel_trust import IDENTITY_SLOTS, identity_changes
from careline.rasa_stores.processor_hooks import Method, wrap_once


def identity_events(tracker: DialogueStateTracker) -> list[SlotSet]:
    """SlotSet events for what the latest message's channel proves about its sender."""
    metadata = tracker.latest_message.metadata if tracker.latest_message else {}
    slots = {name: tracker.get_slot(name) for name in IDENTITY_SLOTS}
    changes = identity_changes(metadata or {}, tracker.get_latest_input_channel(), slots)
    return [SlotSet(name, value) for name, value in changes.items()]


def install() -> None:
    """Wrap the processor's slot extraction once per process (idempotent)."""

    def make(original: Method) -> Method:
        async def run_action_extract_slots(self: MessageProcessor, output_channel: OutputChannel,
                                           tracker: DialogueStateTracker) -> DialogueStateTracker:
            tracker.update_with_events(identity_events(tracker), self.domain)
            return await original(self, output_channel, tracker)

        return run_action_extract_slots

    wrap_once("run_action_extract_slots", make)
