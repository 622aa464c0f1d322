"""A paused (handed-off) conversation: no restart runs the bot, no expired session resets it."""

from __future__ import annotations

import time

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted, ConversationPaused, SessionStarted, UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker


TWO_HOURS_AGO = time.time() - 2 * 3600


def _tracker(domain: Domain, *events: object) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("conversation", [
        ActionExecuted("action_listen", timestamp=TWO_HOURS_AGO - 1),
        UserUttered("a person please", {"name": "request_human"}, timestamp=TWO_HOURS_AGO),
        *events], slots=domain.slots)


def test_a_restart_does_not_run_the_bot_on_a_paused_conversation(
        processor: MessageProcessor, domain: Domain) -> None:
    tracker = _tracker(domain, ConversationPaused(), UserUttered("/restart", {"name": "restart"}))
    assert processor._should_handle_message(tracker) is False
    assert processor._should_handle_message(_tracker(domain)) is True


async def test_an_expired_session_of_a_paused_conversation_does_not_restart_it(
        processor: MessageProcessor, domain: Domain) -> None:
    paused = _tracker(domain, ConversationPaused())
    await processor._update_tracker_session(paused, CollectingOutputChannel())
    assert paused.is_paused() and not any(isinstance(e, SessionStarted) for e in paused.events)
    # the control: Rasa itself still starts a new session when nobody holds the conversation
    live = _tracker(domain)
    await processor._update_tracker_session(live, CollectingOutputChannel())
    assert any(isinstance(e, SessionStarted) for e in live.events)
