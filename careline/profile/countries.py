"""Countries by any common name or code: ISO 3166 through ``pycountry``.

Customers write "US", "USA", "the US", "U.S.A.", "United States of America" or
"america"; the roaming tables are keyed by ISO alpha-2 codes. pycountry's data
(names, official and common names, alpha-2 and alpha-3 codes) answers all but a
few everyday names that ISO does not use, which :data:`EVERYDAY_NAMES` adds.
"""

from __future__ import annotations

import re
from typing import Optional

import pycountry

#: What people call a country that ISO 3166 lists under another name.
EVERYDAY_NAMES = {
    "america": "US", "the states": "US", "states": "US", "holland": "NL", "uk": "GB",
    "britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "uae": "AE", "emirates": "AE", "dubai": "AE", "turkey": "TR", "russia": "RU",
}
_LEADING = re.compile(r"^(?:to|in|for|the)\s+")


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


def _normalise(text: str) -> str:
    """Lower case, no dots or punctuation ("U.S.A." is "usa"), no leading "to the"."""
    lowered = re.sub(r"[.\u2019']", "", str(text or "").lower())
    words = " ".join(re.sub(r"[^\w\s-]", " ", lowered).split())
    previous = None
    while previous != words:
        previous, words = words, _LEADING.sub("", words)
    return words
