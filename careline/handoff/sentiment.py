"""A small lexicon sentiment scorer, tuned for telecom customer-service messages.

Good enough to rank an angry "this is the third time my internet is down!!!"
above a calm "can I talk to someone?", which is all priority needs; it runs in
microseconds with no model to load. A negation flips the word right after it, intensifiers
and shouting (caps, "!!") strengthen it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEGATIVE: dict[str, float] = {
    "angry": 2.5, "furious": 3, "fuming": 3, "livid": 3, "annoyed": 2, "annoying": 2,
    "frustrated": 2.5, "frustrating": 2.5, "ridiculous": 2.5, "unacceptable": 3,
    "disgrace": 3, "disgraceful": 3, "terrible": 2.5, "awful": 2.5, "horrible": 2.5,
    "worst": 3, "useless": 2.5, "rubbish": 2.5, "pathetic": 3, "joke": 1.5, "scam": 3,
    "rip": 1.5, "ripoff": 3, "robbery": 3, "fed": 1.5, "sick": 1.5, "tired": 1,
    "hate": 3, "stupid": 2.5, "incompetent": 3, "broken": 1.5, "down": 0.5,
    "wrong": 1.5, "overcharged": 2.5, "cancel": 1.5, "leaving": 1.5, "complaint": 2,
    "complain": 2, "disappointed": 2, "upset": 2, "waiting": 1, "still": 0.5,
    "again": 0.8, "never": 1, "nobody": 1.5, "ignored": 2, "lied": 3, "lies": 3,
    "shocking": 2.5, "appalling": 3, "nightmare": 2.5, "waste": 2, "bad": 1.5,
    "problem": 0.8, "issue": 0.5, "unhappy": 2, "crap": 2.5, "damn": 2, "wtf": 3,
}
_POSITIVE: dict[str, float] = {
    "thanks": 1.5, "thank": 1.5, "great": 2, "good": 1.5, "happy": 2, "love": 2.5,
    "perfect": 2.5, "excellent": 2.5, "brilliant": 2.5, "helpful": 2, "appreciate": 2,
    "fine": 0.5, "nice": 1.5, "awesome": 2.5, "pleased": 2, "sorted": 1.5, "cheers": 1,
}
_NEGATIONS = frozenset({"not", "no", "never", "dont", "isnt", "wasnt", "cant", "cannot",
                        "wont", "aint", "doesnt", "didnt"})
_INTENSIFIERS = {"very": 1.5, "really": 1.5, "so": 1.4, "extremely": 2, "totally": 1.5,
                 "absolutely": 1.8, "completely": 1.6, "utterly": 1.8}
_WORD = re.compile(r"[A-Za-z']+|!+")
_SCALE = 4.0  # raw points at which the score saturates towards ±1


@dataclass(frozen=True)
class SentimentResult:
    """A score in [-1, 1] (negative = unhappy) and the words that moved it."""

    score: float
    cues: tuple[str, ...]

    @property
    def label(self) -> str:
        if self.score <= -0.6:
            return "angry"
        if self.score <= -0.2:
            return "negative"
        if self.score >= 0.3:
            return "positive"
        return "neutral"


def score_text(text: str) -> SentimentResult:
    """Score one message."""
    raw = 0.0
    cues: list[str] = []
    negate_next = False
    boost = 1.0
    for token in _WORD.findall(text or ""):
        if token.startswith("!"):
            if len(token) >= 2 and raw < 0:
                raw -= 0.5 * min(len(token), 4)
                cues.append(token)
            continue
        word = token.lower().replace("'", "")
        if word in _NEGATIONS:
            negate_next = True
            continue
        if word in _INTENSIFIERS:
            boost = _INTENSIFIERS[word]
            continue
        value = -_NEGATIVE.get(word, 0.0) or _POSITIVE.get(word, 0.0)
        if value:
            if token.isupper() and len(token) > 2:
                value *= 1.5
            if negate_next:
                value = -value * 0.5
            raw += value * boost
            cues.append(("not " if negate_next else "") + word)
        negate_next = False
        boost = 1.0
    score = max(-1.0, min(1.0, raw / _SCALE))
    return SentimentResult(score=round(score, 2), cues=tuple(cues))


def score_conversation(messages: list[str]) -> SentimentResult:
    """The customer's mood now: recent messages weigh more, the worst one counts most.

    A customer who was furious two messages ago and now types "ok" is still
    someone to treat carefully, so the result is the lower of the recency
    weighted mean and the latest message's score.
    """
    scored = [score_text(m) for m in messages if m and m.strip()]
    if not scored:
        return SentimentResult(score=0.0, cues=())
    weights = [0.5 ** (len(scored) - 1 - i) for i in range(len(scored))]
    mean = sum(w * s.score for w, s in zip(weights, scored)) / sum(weights)
    worst = min(s.score for s in scored[-3:])
    score = round(min(mean, (mean + worst) / 2), 2)
    cues = tuple(cue for s in scored for cue in s.cues)
    return SentimentResult(score=score, cues=cues[-8:])
