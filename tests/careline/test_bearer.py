"""The one bearer-token check every Careline server uses."""

from __future__ import annotations

from typing import Optional

import pytest

from careline.bearer import bearer_matches, presented_token

TOKEN = "s3cret-token"


@pytest.mark.parametrize("header, token, allowed", [
    (f"Bearer {TOKEN}", TOKEN, True),
    (f"bearer {TOKEN}", TOKEN, True),  # the scheme's case does not matter
    (f"Bearer {TOKEN}", "other", False),
    (f"Bearer {TOKEN[:-1]}", TOKEN, False),
    (f"Bearer {TOKEN}x", TOKEN, False),
    (f"Bearer {TOKEN.upper()}", TOKEN, False),
    (f"Bearer {TOKEN} ", TOKEN, False),
    (TOKEN, TOKEN, False),
    (f"Basic {TOKEN}", TOKEN, False),
    (None, TOKEN, False),
    ("Bearer ", "", False),  # no token configured: the door is closed, never open
    (f"Bearer {TOKEN}", None, False),
])
def test_only_the_exact_token_under_the_bearer_scheme_matches(
        header: Optional[str], token: Optional[str], allowed: bool) -> None:
    assert bearer_matches(header, token) is allowed


@pytest.mark.parametrize("header, offered", [
    (None, None), ("", None), (TOKEN, None), (f"Basic {TOKEN}", None),
    ("Bearer ", ""), (f"Bearer {TOKEN}", TOKEN),
])
def test_an_empty_credential_is_offered_while_a_missing_one_is_not(
        header: Optional[str], offered: Optional[str]) -> None:
    assert presented_token(header) == offered
