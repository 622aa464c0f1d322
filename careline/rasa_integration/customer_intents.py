"""A customer's ``/intent{json}`` is read as words, unless it is a button the bot just offered.

Why. Rasa's ``RegexMessageHandler`` runs after NLU on every message and turns any text
that starts with ``/`` into an intent with entities, skipping NLU. From a customer that
is a remote control: ``/EXTERNAL_outage_notice{"outage_notice": "..."}`` makes the bot
send text the sender wrote (from the operator's number, to whoever the spoofed SMS
sender is), ``/restart`` and ``/session_start`` wipe the conversation, and any
``/intent{"slot": "value"}`` sets slots. Buttons, though, legitimately send payloads:
web chat buttons, WhatsApp quick replies (Twilio's ``ButtonPayload``) and the numbered
choices SMS and ``careline chat`` resolve to a payload.

The rule (:func:`text_to_parse`): a customer's text starting with ``/`` is parsed as
written only when it equals a payload the bot offered in its latest turn of this same
conversation, read from the tracker on the server (never from the request), and names
no intent that only the system may enter (``EXTERNAL_*``, Rasa's ``restart``,
``session_start`` and ``back``). Anything else loses its leading slashes, so NLU reads
it as words: it gets the intent its words deserve and never entities from its JSON.
The customer's own text stays in the tracker unchanged.

Why a hook on ``MessageProcessor.parse_message``. ``RegexMessageHandler`` is a fixed
node of the prediction graph that the default recipe adds after the pipeline (no
config.yml setting removes it), and NLU components see only the message, not the
conversation's buttons. ``parse_message`` is where every channel message is parsed,
with the conversation's tracker loaded under its lock. Careline's own shortcuts do not
come this way as a customer's: Rasa's HTTP API (``trigger_intent`` from the desk and
careline/proactive; ``/model/parse``, called without a tracker) is token-protected,
and the Agent hook's :data:`~careline.rasa_integration.guard.WORDLESS` is named through
:data:`own_text`. Installed by :mod:`careline.rasa_integration.patches`, under
:mod:`careline.rasa_integration.pending_offer`'s layer of the same method.
"""

from __future__ import annotations

import contextvars
import re
from typing import Any, Awaitable, Callable, Iterable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.core.constants import (
    USER_INTENT_BACK, USER_INTENT_RESTART, USER_INTENT_SESSION_START,
)
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from careline.designer.checks import EXTERNAL_PREFIX

#: Rasa's conversation resets; with every ``EXTERNAL_*`` intent, entered only by the system.
SYSTEM_ONLY_INTENTS = frozenset({USER_INTENT_RESTART, USER_INTENT_SESSION_START,
                                 USER_INTENT_BACK})

#: The text Careline itself put in this turn's message (the Agent hook's WORDLESS), if any.
own_text: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar(
    "careline_own_text", default=None)

_INTENT_NAME = re.compile(rf"^{re.escape(INTENT_MESSAGE_PREFIX)}(?P<name>[^{{@]*)")


def intent_named(payload: str) -> str:
    """The intent a ``/intent@0.9{...}`` payload names (Rasa's own pattern), or ''."""
    match = _INTENT_NAME.match(payload.strip())
    return match.group("name").strip() if match else ""


def system_only(intent_name: str) -> bool:
    return intent_name.startswith(EXTERNAL_PREFIX) or intent_name in SYSTEM_ONLY_INTENTS


def text_to_parse(text: str, *, offered: frozenset[str]) -> str:
    """What NLU should read for a customer's ``text``, given the payloads just offered."""
    written = text.strip()
    if not written.startswith(INTENT_MESSAGE_PREFIX):
        return text
    if written in offered and not system_only(intent_named(written)):
        return text
    as_words = written.lstrip(INTENT_MESSAGE_PREFIX).strip()
    return as_words or text  # a lone "/" names no intent: Rasa already reads it as text


def offered_payloads(events: Iterable[Event]) -> frozenset[str]:
    """Button payloads of the bot's messages since the latest user message (external too)."""
    offered: set[str] = set()
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            for button in event.data.get("buttons") or ():
                payload = button.get("payload") if isinstance(button, dict) else None
                if isinstance(payload, str):
                    offered.add(payload.strip())
    return frozenset(offered)


def reading_commands_as_words(original: Callable[..., Awaitable[dict[str, Any]]]
                              ) -> Callable[..., Awaitable[dict[str, Any]]]:
    """The patch of ``MessageProcessor.parse_message`` (the inner layer)."""

    async def parse_message(self: MessageProcessor, message: UserMessage,
                            tracker: Optional[DialogueStateTracker] = None,
                            only_output_properties: bool = True) -> dict[str, Any]:
        text = message.text or ""
        if tracker is None or text == own_text.get():
            return await original(self, message, tracker, only_output_properties)
        readable = text_to_parse(text, offered=offered_payloads(tracker.events))
        if readable == text:
            return await original(self, message, tracker, only_output_properties)
        as_words = UserMessage(readable, message.output_channel, message.sender_id,
                               input_channel=message.input_channel,
                               message_id=message.message_id, metadata=message.metadata)
        parse_data = await original(self, as_words, tracker, only_output_properties)
        return {**parse_data, "text": text}

    return parse_message
