"""The one-question satisfaction survey (CSAT) after an agent resolves a ticket.

The question is asked while the conversation is still paused, so the customer's
answer reaches the desk (through the event broker) and never the bot, which would
read a bare "4" as a message it does not understand. Whatever the customer sends
next ends the wait: a score from 1 to 5 is recorded and thanked; anything else
is handed straight to the bot (resume, then Rasa's ``trigger_intent`` with what
Rasa understood, so the customer does not repeat themselves). A customer who
says nothing is handed back silently after ``CARELINE_DESK_RATING_WAIT_MINUTES``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

QUESTION = ("One quick question before you go: how happy are you with the help you got "
            "today, from 1 (not at all) to 5 (very)?")
CHOICES = tuple({"title": f"{score}", "payload": f"{score}"} for score in range(1, 6))
THANKS = "Thank you for your rating. You're back with Careline's assistant whenever you need it."
_SCORE = re.compile(r"^\s*([1-5])(?:\s*(?:/\s*5|stars?|out of 5))?\s*[.!]?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class RatingAnswer:
    """What the customer's message after the question means for the ticket."""

    ticket_id: int
    conversation_id: str
    score: Optional[int]  # None: not a rating, hand the message to the bot
    intent: Optional[str] = None
    entities: tuple[tuple[str, Any], ...] = ()


def parse_score(text: str) -> Optional[int]:
    """1-5 as a customer types or taps it ("4", "5/5", "3 stars"), else None."""
    match = _SCORE.match(text or "")
    return int(match.group(1)) if match else None
