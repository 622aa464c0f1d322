"""A conversation handed to a person stays paused until the desk hands it back.

``action_handoff_to_agent`` pauses the bot (``ConversationPaused``); the desk's hand-back
appends ``resume`` through Rasa's token-protected HTTP API (careline/rasa_client.py).
Rasa 3.6 has two other ways out, and a customer can reach both:

* ``MessageProcessor._should_handle_message`` runs the bot on a paused conversation when
  the latest message's intent is ``restart``, and the rule for ``restart`` runs
  ``action_restart``, which un-pauses it (customers can no longer type ``/restart``:
  careline.rasa_integration.customer_intents; this closes the door behind it too);
* ``MessageProcessor._update_tracker_session`` starts a new session when the customer
  writes after ``session_expiration_time`` (60 minutes) — common while a ticket waits for
  opening hours — and ``SessionStarted`` resets the tracker, pause included, so the bot
  would answer over the agent and drop the customer's verification.

So a paused conversation never runs the bot's prediction loop and never starts a new
session; the customer's messages are still parsed, logged and published, which is how
they reach the agent (careline/desk/events.py). Installed by
:mod:`careline.rasa_integration.patches`.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import OutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker



def never_while_paused(original: Callable[..., bool]) -> Callable[..., bool]:
    """The patch of ``MessageProcessor._should_handle_message`` (a static method): Rasa's
    own, which lets ``restart`` through, is not called."""

    def _should_handle_message(tracker: DialogueStateTracker) -> bool:
        return not tracker.is_paused()

    return _should_handle_message


def no_new_session_while_paused(original: Callable[..., Awaitable[None]]
                                ) -> Callable[..., Awaitable[None]]:
    """The patch of ``MessageProcessor._update_tracker_session``."""

    async def _update_tracker_session(self: MessageProcessor, tracker: DialogueStateTracker,
                                      output_channel: OutputChannel,
                                      metadata: Optional[dict[str, Any]] = None) -> None:
        if not tracker.is_paused():
            await original(self, tracker, output_channel, metadata)

    return _update_tracker_session
