"""A nod to a pending yes/no offer is a YES: "👍", "👌", "yep", "go on" answer the question.

Why. The bot's yes/no offers (a person, a payment arrangement, outage updates, a plan)
are rules on the ``offer`` slot and ``affirm``. The NLU component reads an emoji-only
"👍" as ``acknowledge`` ("Glad that helps", the offer left hanging) and the classifier
reads "go on" as whatever it resembles; neither is wrong about the words, but the words
answer the question just asked. Whether a question is pending is the conversation's, and
NLU components see only the message, so the rule runs where both are known, like
:mod:`careline.rasa_integration.customer_intents`: ``MessageProcessor.parse_message``, with the
tracker loaded under the conversation's lock.

The rule (:func:`reading`): when the bot's latest turn set ``offer`` (:func:`offer_pending`)
and the message only agrees (:func:`careline.rasa_integration.nlu.message_kinds.agreement`), the
intent is ``affirm``. An offer from an earlier turn that the conversation moved past is not
pending, so a thumbs-up after an answer stays a nod. Training data is untouched.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Iterable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from careline.rasa_integration.nlu.message_kinds import agreement

AFFIRM = "affirm"
#: The slot every yes/no offer sets (domain/general.yml) and its rules read.
OFFER_SLOT = "offer"


def offer_pending(events: Iterable[Event]) -> bool:
    """True when the bot's latest turn (since the customer's last message, in this session)
    left an offer open: its newest ``offer`` value is set, not cleared."""
    for event in reversed(list(events)):
        if isinstance(event, (UserUttered, SessionStarted)):
            return False
        if isinstance(event, SlotSet) and event.key == OFFER_SLOT:
            return event.value is not None
    return False


def reading(parse_data: dict[str, Any], *, text: str, pending: bool) -> dict[str, Any]:
    """``parse_data`` with ``affirm`` when ``text`` agrees to a pending offer, else as is."""
    if not pending or not agreement(text):
        return parse_data
    intent = {"name": AFFIRM, "confidence": 1.0}
    return {**parse_data, "intent": intent, "intent_ranking": [intent]}


def reading_nods_as_yes(original: Callable[..., Awaitable[dict[str, Any]]]
                        ) -> Callable[..., Awaitable[dict[str, Any]]]:
    """The patch of ``MessageProcessor.parse_message`` (the outer layer: it reads what
    :mod:`careline.rasa_integration.customer_intents` let NLU read)."""

    async def parse_message(self: MessageProcessor, message: UserMessage,
                            tracker: Optional[DialogueStateTracker] = None,
                            only_output_properties: bool = True) -> dict[str, Any]:
        parse_data = await original(self, message, tracker, only_output_properties)
        if tracker is None:
            return parse_data
        return reading(parse_data, text=message.text or "",
                       pending=offer_pending(tracker.events))

    return parse_message
