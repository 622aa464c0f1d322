"""Looking for a leaked secret in what a test collected."""

from __future__ import annotations

import re


def holds_secret(haystack: str, secret: str) -> bool:
    """Whether ``secret`` appears in ``haystack`` standing alone, as a customer types it.

    A plain substring test fails on some dates: a timestamp, an id or a hash can hold the
    same digits by chance (``1796613621.0132468``), while a leaked PIN or code stands apart.
    """
    pattern = rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])"
    return re.search(pattern, haystack) is not None
