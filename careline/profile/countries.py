"""Countries by any common name or code: ISO 3166 through ``pycountry``.

Customers write "US", "USA", "the US", "U.S.A.", "United States of America" or
"america"; the roaming tables are keyed by ISO alpha-2 codes. pycountry's data
(names, official and common names, alpha-2 and alpha-3 codes) answers all but a
few everyday names that ISO does not use, which :data:`EVERYDAY_NAMES` adds.
:func:`country_in_text` finds the country's name inside a whole sentence ("roaming in the
USA?"), so a destination named in the first message is not asked for again.
"""

from __future__ import annotations

import re
from typing import Optional

import pycountry

#: What people call a country that ISO 3166 lists under another name.
EVERYDAY_NAMES = {
    "america": "US", "usa": "US", "the states": "US", "states": "US", "holland": "NL", "uk": "GB",
    "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "uae": "AE", "emirates": "AE", "dubai": "AE", "turkey": "TR", "russia": "RU",
}
_LEADING = re.compile(r"^(?:to|in|for|the)\s+")
_LEADING_WORDS = frozenset({"to", "in", "for", "the"})
#: The longest country name in words ("united kingdom of great britain and northern ireland").
_MAX_NAME_WORDS = 8
#: A code inside a sentence counts only in capitals: "in", "is", "to", "and" are codes too.
_CODE = re.compile(r"^[A-Z]{2,3}$")


def country_code(text: str) -> Optional[str]:
    """The ISO alpha-2 code of the country ``text`` names, or None when it names none."""
    words = _normalise(text)
    if not words:
        return None
    if words in EVERYDAY_NAMES:
        return EVERYDAY_NAMES[words]
    compact = words.replace(" ", "")
    for candidate in (words, compact if len(compact) <= 3 else None):
        if not candidate:
            continue
        try:
            return str(pycountry.countries.lookup(candidate).alpha_2)
        except LookupError:
            continue
    return None


def country_in_text(text: str) -> Optional[str]:
    """The words of a sentence that name a country, as written ("USA"), or None.

    The longest name wins ("united states of america" before "america"); a bare code
    counts only when written in capitals in a sentence that is not shouted ("USA", "UK"),
    since everyday words such as "in", "is" or "can" are ISO codes as well.
    """
    tokens = re.sub(r"[^\w\s-]", " ", re.sub(r"[.\u2019']", "", str(text or ""))).split()
    shouted = " ".join(tokens).isupper()
    for size in range(min(_MAX_NAME_WORDS, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            words = tokens[start:start + size]
            phrase = " ".join(words).lower()
            if words[0].lower() in _LEADING_WORDS:
                continue  # the same words without "to the" are tried too
            if size == 1 and len(phrase) <= 3 and phrase not in EVERYDAY_NAMES \
                    and (shouted or not _CODE.match(words[0])):
                continue
            if country_code(phrase):
                return " ".join(words)
    return None


def _normalise(text: str) -> str:
    """Lower case, no dots or punctuation ("U.S.A." is "usa"), no leading "to the"."""
    lowered = re.sub(r"[.\u2019']", "", str(text or "").lower())
    words = " ".join(re.sub(r"[^\w\s-]", " ", lowered).split())
    previous = None
    while previous != words:
        previous, words = words, _LEADING.sub("", words)
    return words
