"""When two training examples say the same thing in (almost) the same words."""

from __future__ import annotations

import difflib
import re

_PUNCTUATION = re.compile(r"[^\w\s']+")
_SPACES = re.compile(r"\s+")
#: Words whose presence alone does not make an example teach something new.
_FILLERS = frozenset({"please", "pls", "plz", "the", "a", "an", "just", "so", "ok", "okay", "um"})
NEAR_DUPLICATE_RATIO = 0.9


def normalise(text: str) -> str:
    """Lower case, punctuation removed, spaces collapsed: what counts as "the same text"."""
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text.lower())).strip()


def _core(text: str) -> str:
    plain = normalise(text)
    return " ".join(w for w in plain.split() if w not in _FILLERS) or plain


def near_duplicates(first: str, second: str) -> bool:
    """True when the two texts differ only by case, punctuation, fillers or a letter or two."""
    a, b = _core(first), _core(second)
    if a == b:
        return True
    if abs(len(a) - len(b)) > max(len(a), len(b)) * (1 - NEAR_DUPLICATE_RATIO):
        return False
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= NEAR_DUPLICATE_RATIO


def distinct_groups(texts: list[str]) -> list[list[str]]:
    """Group texts so each group holds one example and its near-duplicates."""
    groups: list[list[str]] = []
    for text in texts:
        for group in groups:
            if near_duplicates(group[0], text):
                group.append(text)
                break
        else:
            groups.append([text])
    return groups
