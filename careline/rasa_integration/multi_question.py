"""Two questions in one message are two turns, each answered as if it came alone.

"what's my balance and is there an outage in LS6?" reached the bot as one message with
one intent, so only the first question was answered. Rasa's multi-intents (``a+b``)
would need training examples and rules for every pair; instead the Agent hook
(careline.rasa_integration.guard) asks :func:`questions` for the message's parts and runs a
turn per part, in the customer's order. So each answer is exactly the one the question
gets alone, sign-in included: an account question still needs the customer verified,
while a public one (network status by place) does not.

A message is split only where NLU agrees: at one boundary ("?", "and", "also", a full
stop) after which a new question starts, when both halves are read confidently as two
different questions. Anything else ("France and Spain", "yes and thanks", one question
phrased long) stays one turn, so a message is never worse off than before.
"""

from __future__ import annotations

import re
from typing import Any, Awaitable, Callable, Sequence

#: Where a second question may start: after a question mark, a joining word or a full stop.
_BOUNDARY = re.compile(r"\?+\s+|\s+(?:and also|and|also|plus|&)\s+|[.;!]+\s+", re.IGNORECASE)
#: How a question's words begin; the half after the boundary must start like this.
_QUESTION_START = re.compile(
    r"^(?:(?:and|also|plus)\s+)?(?:is|are|am|was|were|what|what's|whats|wats|how|when|when's|"
    r"why|where|who|which|can|could|do|does|did|will|would|should|has|have|any|tell|show|i|"
    r"i'm|im|i'd|my|pls|please)"
    r"\b(?!['’])",  # "can't", "don't": a statement, not a question
    re.IGNORECASE)
#: Read this sure, each half is a question of its own (the fallback threshold is 0.25).
MIN_CONFIDENCE = 0.5
#: Intents that are not a question to answer on their own: kept in the whole message.
NOT_QUESTIONS = frozenset({
    "nlu_fallback", "inform", "affirm", "deny", "greet", "goodbye", "thanks", "out_of_scope",
    "frustration", "other_language", "acknowledge", "emoji_unclear", "blank_message"})
#: At most this many boundaries are tried (each costs two parses).
MAX_BOUNDARIES = 3
MIN_WORDS = 2

Parse = Callable[[str], Awaitable[dict[str, Any]]]


def candidate_splits(text: str) -> list[Sequence[str]]:
    """Each (first, second) pair a boundary gives where the second half starts a question."""
    pairs: list[Sequence[str]] = []
    for match in list(_BOUNDARY.finditer(text))[:MAX_BOUNDARIES]:
        first = text[: match.start()] + ("?" if match.group().lstrip().startswith("?") else "")
        second = text[match.end():].strip()
        if (len(first.split()) >= MIN_WORDS and len(second.split()) >= MIN_WORDS
                and _QUESTION_START.match(second)):
            pairs.append((first.strip(), second))
    return pairs


async def questions(text: str, parse: Parse) -> list[str]:
    """The message's questions in order: two when NLU reads two, else the message itself."""
    if not text or text.startswith("/"):
        return [text]
    for first, second in candidate_splits(text):
        intents = [_question_intent(await parse(part)) for part in (first, second)]
        if intents[0] and intents[1] and intents[0] != intents[1]:
            return [first, second]
    return [text]


def _question_intent(parsed: dict[str, Any]) -> str:
    """The intent of a half that is a question of its own, else ``""``."""
    intent = parsed.get("intent") or {}
    name = str(intent.get("name") or "")
    if name in NOT_QUESTIONS or float(intent.get("confidence") or 0.0) < MIN_CONFIDENCE:
        return ""
    return name
