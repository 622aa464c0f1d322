"""The customer's mood, scored by VADER with two telecom additions.

VADER (``vaderSentiment``, its lexicon and emoji table ship in the wheel, nothing is
downloaded) already reads what angry customers type: capitals, "!!!", boosters such as
"absolutely", swearing and emoji. What it cannot see is the anger of a *repeat* contact
("4th time", "still no signal", "again"), which carries no sentiment word at all, so
those phrases move the score too. The figures on a labelled set are printed by
``python -m bench mood`` (tests/careline/handoff/mood_set.yml).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

#: A message that says this is not the first time: each match lowers the score by this.
REPEAT_PENALTY = 0.4
#: At or below this a message reads as frustrated (the handoff trigger has its own bar).
FRUSTRATED_AT = -0.35

_REPEAT = re.compile(
    r"\b(?:\d+(?:st|nd|rd|th)|second|third|fourth|fifth|sixth|umpteenth|how many) times?\b"
    r"|\b(?:again and again|over and over|yet again|every (?:single )?time)\b"
    r"|\bstill (?:no|not|nothing|down|broken|dead|waiting|can'?t|cannot|isn'?t|doesn'?t)\b"
    r"|\b(?:already|keep|kept) (?:reported|told|telling|calling|contacting|asking|chasing)\b"
    r"|\b(?:\d+|two|three|four|five|six) (?:days|weeks) (?:now|and still|without)\b"
    r"|\b(?:no|down|gone|out|broken|dropped|dropping|stopped|not working)\b(?:\W+\w+){0,3}"
    r"\W+again\b",
    re.IGNORECASE)
#: VADER's general-English values that misread a telecom chat: "fault", "dead", "dropped"
#: and "lost" name a line's state there ("my phone died" is not grief), while "joke" and
#: "shambles" are complaints in British English.
LEXICON_OVERRIDES = {
    "fault": 0.0, "problem": 0.0, "died": 0.0, "dead": 0.0, "crash": 0.0, "lost": 0.0,
    "drop": 0.0, "cut": 0.0, "error": 0.0, "stuck": 0.0,
    "joke": -1.5, "shambles": -2.0, "ripoff": -2.5, "rubbish": -2.0,
}
#: Angry emoji VADER's emoji table describes without a sentiment word.
EMOJI_OVERRIDES = {"🤬": "furious", "😤": "angry", "🙄": "annoyed", "💢": "angry",
                   "👿": "angry"}


@dataclass(frozen=True)
class SentimentResult:
    """A score in [-1, 1] (negative = unhappy) and what moved it."""

    score: float
    cues: tuple[str, ...]

    @property
    def label(self) -> Literal["angry", "negative", "neutral", "positive"]:
        if self.score <= -0.6:
            return "angry"
        if self.score <= -0.2:
            return "negative"
        if self.score >= 0.3:
            return "positive"
        return "neutral"

    @property
    def frustrated(self) -> bool:
        return self.score <= FRUSTRATED_AT


@functools.lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    """Loads VADER's lexicon once per process (a few tens of milliseconds), with our overrides
    through its own tables."""
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(LEXICON_OVERRIDES)
    analyzer.emojis.update(EMOJI_OVERRIDES)
    return analyzer


def score_text(text: str) -> SentimentResult:
    """Score one message: VADER's compound score, lowered for each repeat-contact phrase."""
    text = text or ""
    if not text.strip():
        return SentimentResult(score=0.0, cues=())
    analyzer = _analyzer()
    compound = float(analyzer.polarity_scores(text)["compound"])
    repeats = [match.group(0).lower() for match in _REPEAT.finditer(text)]
    score = max(-1.0, min(1.0, compound - REPEAT_PENALTY * len(repeats)))
    return SentimentResult(score=round(score, 2), cues=(*_lexicon_cues(text), *repeats))


def _lexicon_cues(text: str) -> tuple[str, ...]:
    """The words (and emoji) VADER scored, so an agent sees why the mood is what it is."""
    lexicon = _analyzer().lexicon
    emoji = _analyzer().emojis
    cues = []
    for token in text.split():
        word = token.strip(".,;:!?\"'()…").lower()
        if word in lexicon and abs(lexicon[word]) >= 1.0:
            cues.append(word)
        cues.extend(char for char in token if char in emoji)
    return tuple(cues)


def score_conversation(messages: list[str]) -> SentimentResult:
    """The customer's mood now: recent messages weigh more, the worst one counts most.

    A customer who was furious two messages ago and now types "ok" is still
    someone to treat carefully, so the result is the lower of the recency
    weighted mean and the mean of that and the worst of the last three messages.
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
