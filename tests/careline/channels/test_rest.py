"""The REST channel's door: who gets through, and when it is off."""

from __future__ import annotations

import pytest

from careline.channels.rest import refusal, rest_token
from careline.settings import Profile, Settings
from tests.production_profile import production_fields

REAL = "a-long-random-rest-token"


def production(**values: str) -> Settings:
    return Settings(**{**production_fields(), "profile": Profile.PRODUCTION, **values})


def test_locally_a_generated_secret_is_kept_in_the_data_dir(tmp_path):
    local = Settings(data_dir=tmp_path, rest_token="")
    token = rest_token(local)
    assert token and len(token) >= 24 and rest_token(local) == token
    assert (tmp_path / "secrets" / "rest-token").read_text().strip() == token
    assert rest_token(Settings(data_dir=tmp_path, rest_token=REAL)) == REAL


@pytest.mark.parametrize("configured", ["", "change-me", "test", "local-dev-token"])
def test_production_turns_the_channel_off_without_a_real_token(tmp_path, configured: str):
    assert rest_token(production(data_dir=str(tmp_path), rest_token=configured)) is None
    assert not (tmp_path / "secrets").exists()
    assert rest_token(production(rest_token=REAL)) == REAL


@pytest.mark.parametrize("authorization, token, expected", [
    (None, None, 403), (f"Bearer {REAL}", None, 403),
    (None, REAL, 401), ("", REAL, 401), ("Bearer wrong", REAL, 401), (REAL, REAL, 401),
    (f"Basic {REAL}", REAL, 401), (f"Bearer {REAL} ", REAL, 401),
    (f"Bearer {REAL}", REAL, None),
])
def test_only_the_bearer_token_opens_the_door(authorization, token, expected):
    refused = refusal(authorization, token)
    assert (refused[0] if refused else None) == expected
