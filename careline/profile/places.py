"""Which served area a customer's words name: a postcode or its district, or a place name.

Network status by place is public, so "is there an outage in LS6?" or "any problems in
Leeds" is answered without signing in; this finds the area such a question names.
Areas are keyed like postcode districts (``LS6``) and named in everyday words
("Headingley, Leeds", "Manchester city centre"), so either form is recognised.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from careline.profile.schemas import NetworkAreaInfo

#: A full postcode ("LS6 1LF") or its outward part, the district ("LS6").
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)(?:\s*\d[A-Z]{2})?\b", re.IGNORECASE)
#: What area names add to a town's name: "Manchester city centre" is Manchester.
_SUFFIXES = re.compile(r"\s+(?:city centre|centre|old town)$")


def find_area(text: str, areas: Iterable[NetworkAreaInfo]) -> Optional[NetworkAreaInfo]:
    """The area ``text`` names by postcode first, else by the longest place name in it."""
    known = list(areas)
    by_code = {area.code.upper(): area for area in known}
    for match in _POSTCODE.finditer(text):
        if match.group(1).upper() in by_code:
            return by_code[match.group(1).upper()]
    words = f" {_words(text)} "
    named = [(len(name), area) for area in known for name in place_names(area)
             if f" {name} " in words]
    return max(named, key=lambda found: found[0])[1] if named else None


def place_names(area: NetworkAreaInfo) -> set[str]:
    """Every way the area's name is said: "headingley leeds", "headingley", "leeds"."""
    parts = [_SUFFIXES.sub("", part.strip()) for part in area.name.lower().split(",")]
    return {_words(area.name), *(_words(part) for part in parts)} - {""}


def _words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())
