"""What kind of message this is before what it asks: another language, emoji only.

The intent classifier reads every message as English and picks the nearest intent, so
"Mae fy mil yn rhy uchel" became "not something I can help with" and "👍" a guess.
These readers decide, from the text alone, the cases where that reading is wrong
(and keyboard mash, which has no reading at all).

Language: ``langdetect`` (Google's profiles, shipped in the package, nothing fetched)
alone misreads short English ("ok" is Slovak, "hi" Swahili, "hai jamie" Finnish), so a
message is called another language only when langdetect is sure of it *and* it has at
least three words outside the English vocabulary the bot was trained on, which make at
least half of it: a borrowed English word or two ("Does dim signal gyda fi adref" has
"does", "signal" and, English too, "dim") leaves Welsh Welsh. Words in a non-Latin script
need no vocabulary check. The detector is seeded, so the same text always gets the same
answer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import AbstractSet, Optional

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

#: Letters only (any script): digits, postcodes and punctuation say nothing of language.
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)
#: Above Latin Extended-B: Arabic, Bengali, Gurmukhi, Cyrillic, CJK … (never English).
_LATIN_END = 0x024F

#: Emoji that, alone, mean "fine / thanks"; a thumbs-up after an answer is a nod.
POSITIVE_EMOJI: frozenset[str] = frozenset(
    "👍👌🙂😊😀😃😄😁🙏❤✅👏🥰😍💯🤝☺💪🎉😎✔☑🆗")
#: Emoji that, alone, say yes to a question: a subset of the nods, never a smiley.
AGREEMENT_EMOJI: frozenset[str] = frozenset("👍👌✅✔☑🆗🤝💯")
#: Whole messages that say yes; most are affirm in training too, but "go on" and a lone
#: "k" are not, and a message of these is never a question of its own.
AGREEMENT_WORDS: frozenset[str] = frozenset({
    "yes", "yeah", "yep", "yup", "yea", "ya", "y", "ok", "okay", "k", "kk", "sure",
    "go on", "go ahead", "yes please", "please do", "do it", "sounds good", "alright",
    "all right", "ok then", "yes go on", "go for it"})
#: Emoji that, alone, mean the customer is angry or upset: treated as frustration.
NEGATIVE_EMOJI: frozenset[str] = frozenset(
    "😡😠🤬👎😤😞😢😭💢🙄😩😫😒☹🙁😣😖😑😐🤦")
#: Marks that change how an emoji looks, not what it says (variation, skin tone, joiner).
_MODIFIERS = frozenset("\ufe0f\ufe0e\u200d") | frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))


@dataclass(frozen=True)
class LanguageRule:
    """When a message counts as another language (tuned on tests/nlu_heldout and the shared
    eval, ``python -m bench languages``: no misfires)."""

    min_probability: float = 0.9
    #: Latin-script words outside the English vocabulary it takes: names and slang are fewer.
    min_other_words: int = 3
    #: The most of its words that may be English: borrowed words, not an English sentence.
    max_english_share: float = 0.5


class LanguageReader:
    """Names a message's language when it is clearly not English, else ``None``."""

    def __init__(self, english_words: AbstractSet[str],
                 rule: LanguageRule = LanguageRule(), seed: int = 0) -> None:
        self._english = english_words
        self._rule = rule
        self._factory = DetectorFactory()
        self._factory.load_profile(PROFILES_DIRECTORY)
        self._factory.set_seed(seed)

    @property
    def english_words(self) -> AbstractSet[str]:
        return self._english

    def other_language(self, text: str) -> Optional[str]:
        words = [w.lower() for w in _WORDS.findall(text)]
        if not words:
            return None
        non_latin = any(ord(ch) > _LATIN_END for w in words for ch in w)
        if not non_latin:
            other = sum(1 for w in words if w not in self._english)
            if other < self._rule.min_other_words:
                return None
            if 1 - other / len(words) > self._rule.max_english_share:
                return None
        language = self._detect(text)
        if language is None or language == "en":
            return None
        return language

    def _detect(self, text: str) -> Optional[str]:
        detector = self._factory.create()
        detector.append(text)
        try:
            best = detector.get_probabilities()[0]
        except (LangDetectException, IndexError):
            return None
        return str(best.lang) if best.prob >= self._rule.min_probability else None


#: Three keys side by side on a QWERTY row, either way ("asd", "lkj"): what a hand dragged
#: across the keyboard types, and almost no word does.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEY_RUNS = frozenset(row[i:i + 3] for row in _ROWS + tuple(r[::-1] for r in _ROWS)
                      for i in range(len(row) - 2))


def keyboard_mash(text: str, english_words: AbstractSet[str]) -> bool:
    """True for "asdfgh qwe" or "hjkl": no word the bot was trained on, and every word has a
    run of three neighbouring keys. The intent classifier reads such text as its nearest
    intent (out of scope, a greeting) with confidence above the fallback threshold; an
    unknown greeting like "bonjour" has no such run, so it still reaches the classifier."""
    words = [w.lower() for w in _WORDS.findall(text)]
    if not words or any(w in english_words for w in words):
        return False
    return all(any(w[i:i + 3] in _KEY_RUNS for i in range(len(w) - 2)) for w in words)


def english_vocabulary(texts: list[str]) -> frozenset[str]:
    """The lower-cased words of the bot's (English) training examples."""
    return frozenset(w.lower() for text in texts for w in _WORDS.findall(text))


def emoji_reaction(text: str) -> Optional[str]:
    """``positive``, ``negative`` or ``unclear`` for a message of emoji only, else ``None``."""
    marks = [ch for ch in text if not ch.isspace() and ch not in _MODIFIERS
             and unicodedata.category(ch) not in ("Po", "Pd", "Ps", "Pe")]
    if not marks or any(unicodedata.category(ch) != "So" for ch in marks):
        return None
    if any(ch in NEGATIVE_EMOJI for ch in marks):
        return "negative"
    if all(ch in POSITIVE_EMOJI for ch in marks):
        return "positive"
    return "unclear"


def agreement(text: str) -> bool:
    """True for a message that only says yes: agreement emoji, agreement words, or both
    ("👍", "yep", "go on", "ok 👍"). Whether it answers a question is the conversation's to
    know (careline.rasa_integration.pending_offer); a bare nod elsewhere stays a nod."""
    marks = "".join(ch for ch in text if ch not in _MODIFIERS)
    rest = "".join(" " if ch in AGREEMENT_EMOJI else ch for ch in marks)
    words = _WORDS.findall(rest.lower())
    if any(not ch.isspace() and unicodedata.category(ch)[0] != "P"
           for ch in _WORDS.sub(" ", rest)):
        return False  # a digit or another emoji: more than a yes
    if words:
        return " ".join(words) in AGREEMENT_WORDS
    return rest != marks  # emoji only: at least one agreement emoji, nothing else
