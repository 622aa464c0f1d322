"""An external intent Rasa already entered in a conversation is not entered twice.

Careline enters each proactive notice in the customer's conversation with Rasa's
``trigger_intent`` (careline/proactive/delivery.py). A client that times out cannot
tell whether Rasa entered it — under load the request may still be queued behind the
conversation's lock — so it retries, and Rasa would log the notice twice. Rasa's
endpoint holds the conversation's lock while it calls
``MessageProcessor.trigger_external_user_uttered``, so the check here, against the
tracker loaded under that lock, cannot race: a trigger whose intent and entities
equal an external message already in the conversation is a retry, logged and skipped.
Every Careline external intent carries what makes it unique (a notice carries its
incident, status and text). Installed by :mod:`careline.rasa_integration.patches`.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Iterable, Optional, Union

from rasa.core.channels.channel import OutputChannel
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import IS_EXTERNAL
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from careline.observability.redact import redact

logger = logging.getLogger(__name__)

Entities = Optional[Union[list[dict[str, Any]], dict[str, Any]]]


def _signature(intent_name: Optional[str], entities: Entities
               ) -> tuple[Optional[str], tuple[tuple[str, str], ...]]:
    pairs: Iterable[tuple[Any, Any]]
    if isinstance(entities, dict):
        pairs = entities.items()
    else:
        pairs = ((e.get("entity"), e.get("value")) for e in entities or [])
    return intent_name, tuple(sorted((str(name), repr(value)) for name, value in pairs))


def already_entered(tracker: DialogueStateTracker, intent_name: str, entities: Entities) -> bool:
    """Does the conversation already hold this external intent with these entities?"""
    wanted = _signature(intent_name, entities)
    return any(isinstance(event, UserUttered) and (event.metadata or {}).get(IS_EXTERNAL)
               and _signature(event.intent_name, event.entities) == wanted
               for event in tracker.events)


def skipping_retries(original: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """The patch of ``MessageProcessor.trigger_external_user_uttered``."""

    async def trigger_external_user_uttered(self: MessageProcessor, intent_name: str,
                                            entities: Entities, tracker: DialogueStateTracker,
                                            output_channel: OutputChannel) -> None:
        if already_entered(tracker, intent_name, entities):
            logger.info("external intent %s already in conversation %s: a retry, skipped",
                        intent_name, redact(str(tracker.sender_id)))
            return
        await original(self, intent_name, entities, tracker, output_channel)

    return trigger_external_user_uttered
