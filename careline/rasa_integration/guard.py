"""Make store failures loud: refuse the turn politely instead of running it on a guess.

Why a hook into Rasa's Agent, and why here. ``rasa.core.agent.Agent`` wraps every
tracker store in ``FailSafeTrackerStore``, which catches *every* exception: a failed
load returns ``None`` (Rasa then starts an empty conversation and the customer's
context silently vanishes) and a failed save keeps the events in one process's
memory. There is no configuration to turn that off, and no plug-in point between
the store and the channels: the store never sees the output channel, and Rasa's
REST channel swallows exceptions into an empty reply. So Careline patches two of the
Agent's methods (:mod:`careline.rasa_integration.patches` installs them, before the Agent
exists):

1. ``Agent._create_tracker_store`` keeps a :class:`LoudTrackerStore` unwrapped, so
   its :class:`TrackerStoreUnavailable` reaches the Agent;
2. ``Agent.handle_message`` — the one entry every input channel calls — turns a
   :class:`ConversationUnavailable` or Rasa ``LockError`` into an error log and the
   polite :data:`TRY_AGAIN_SHORTLY` on the customer's own channel, and gives a message
   without words (a photo, a location) the text :data:`WORDLESS` (the MiniLM featurizer
   cannot embed an empty text, so the turn would fail, and the bot cannot look at
   pictures, so it says so and offers a person) or, with nothing at all, :data:`BLANK`
   (a short prompt); a message of two questions runs as a turn per question
   (:mod:`careline.rasa_integration.multi_question`), and a message with a vulnerability cue
   gets a line of support and the offer of a person after its answer
   (:mod:`careline.rasa_integration.vulnerability_offer`);
3. the same hook holds each sender to :mod:`careline.rasa_integration.sender_limits` (message
   size and rate) before the turn runs, so a refused message costs no NLU and no lock.

Stores that are not Careline's keep Rasa's behaviour;
tests/careline/rasa_integration/test_guard.py checks both hooks.
"""

from __future__ import annotations

import contextvars
import logging
import time
from typing import Any, Awaitable, Callable, Optional

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.lock_store import LockError
from rasa.core.tracker_store import TrackerStore

from careline.rasa_integration.nlu.message_kind_classifier import BLANK_MESSAGE
from careline.observability import correlation, metrics
from careline.observability.redact import redact
from careline.rasa_integration import (
    customer_intents, multi_question, sender_limits, vulnerability_offer,
)
from careline.rasa_integration.errors import TRY_AGAIN_SHORTLY, ConversationUnavailable
from careline.settings import get_settings

logger = logging.getLogger("careline.turns")

#: What a message without words says to the bot: out of scope, answered honestly.
WORDLESS = "/out_of_scope"
#: What a message without words or media says: nothing came through, a short prompt.
BLANK = f"/{BLANK_MESSAGE}"

#: When the current turn reached the Agent (monotonic seconds), for the turn log's latency.
turn_started: contextvars.ContextVar[float] = contextvars.ContextVar("turn_started")


#: What ``Agent.handle_message`` returns: a collecting channel's replies, else None.
Replies = Optional[list[dict[str, Any]]]
#: ``Agent.handle_message``, Rasa's or patched.
Handle = Callable[[Agent, UserMessage], Awaitable[Replies]]


class LoudTrackerStore(TrackerStore):
    """Marker: a tracker store whose errors must reach the Agent, not FailSafe."""


def keeping_loud_stores(original: Callable[..., TrackerStore]) -> Callable[..., TrackerStore]:
    """The patch of ``Agent._create_tracker_store`` (a static method)."""

    def _create_tracker_store(store: Optional[TrackerStore], domain: Any) -> TrackerStore:
        if isinstance(store, LoudTrackerStore):
            store.domain = domain
            return store
        return original(store, domain)

    return _create_tracker_store


def guarded_turns(original_handle: Handle) -> Handle:
    """The patch of ``Agent.handle_message``; the sender limits are read from the settings
    once, when it is installed."""
    settings = get_settings()
    limits = sender_limits.SenderLimits.from_settings(settings)
    counter = sender_limits.counter_for(settings)

    async def handle_message(self: Agent, message: UserMessage) -> Replies:
        turn_started.set(time.monotonic())
        correlation.use(message.message_id)  # the turn's id: its MessageSid on Twilio
        customer_intents.own_text.set(None)
        try:
            if await _refused_over_limits(message, limits, counter):
                return _collected(message)
            if not (message.text or "").strip():
                message.text = _wordless(message)
                customer_intents.own_text.set(message.text)
                return await original_handle(self, message)
            replies = await _each_question(self, message, original_handle)
            await vulnerability_offer.offer_if_vulnerable(self, message)
            return replies
        except (ConversationUnavailable, LockError) as error:
            return await _refuse_politely(message, error)

    return handle_message


async def _refused_over_limits(message: UserMessage, limits: sender_limits.SenderLimits,
                               counter: sender_limits.WindowCounter) -> bool:
    """Count the message; if its sender is over a cap, answer (or not) and say so."""
    count = await counter.count(str(message.sender_id), limits.window_seconds)
    verdict = sender_limits.verdict(text_length=len(message.text or ""),
                                    count_in_window=count, limits=limits)
    if verdict is sender_limits.Verdict.RUN:
        return False
    logger.warning("turn refused conversation=%s channel=%s reason=%s",
                   redact(str(message.sender_id)), message.input_channel or "unknown",
                   verdict.value)
    metrics.refused(channel=metrics.channel_label(message.input_channel), reason=verdict.value)
    output = message.output_channel
    if verdict is sender_limits.Verdict.SLOW_DOWN:
        await output.send_text_message(message.sender_id, sender_limits.SLOW_DOWN)
    elif verdict is sender_limits.Verdict.TOO_LONG:
        await output.send_text_message(message.sender_id,
                                       sender_limits.too_long(limits.max_chars))
    return True


def _wordless(message: UserMessage) -> str:
    """A photo or location is out of scope (a person sees it); nothing at all, a prompt."""
    metadata = message.metadata or {}
    return WORDLESS if metadata.get("media") or metadata.get("location") else BLANK


async def _each_question(agent: Agent, message: UserMessage,
                         handle: Handle
                         ) -> Replies:
    """One turn per question the message asks (careline.rasa_integration.multi_question)."""
    parts = await multi_question.questions(message.text or "", agent.parse_message)
    if len(parts) < 2:
        return await handle(agent, message)
    replies: Replies = None
    for number, part in enumerate(parts, start=1):
        message_id = message.message_id if number == 1 else f"{message.message_id}.{number}"
        replies = await handle(agent, UserMessage(
            part, message.output_channel, message.sender_id, input_channel=message.input_channel,
            message_id=message_id, metadata=message.metadata))
    return replies


def _collected(message: UserMessage) -> Replies:
    """What Agent.handle_message returns: the replies, for a collecting channel."""
    output = message.output_channel
    return output.messages if isinstance(output, CollectingOutputChannel) else None


async def _refuse_politely(message: UserMessage, error: Exception) -> Replies:
    channel = message.input_channel or "unknown"
    logger.error("turn refused conversation=%s channel=%s reason=%s: %s",
                 redact(str(message.sender_id)), channel, type(error).__name__,
                 redact(str(error)))
    output = message.output_channel
    try:
        await output.send_text_message(message.sender_id, TRY_AGAIN_SHORTLY)
    except Exception:  # the channel itself is down: the log line above is all we have
        logger.exception("could not tell conversation %s to try again",
                         redact(str(message.sender_id)))
    return _collected(message)
