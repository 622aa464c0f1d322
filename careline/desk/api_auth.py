"""The shared token the handoff worker presents to the desk's machine API."""

from __future__ import annotations

from careline.settings import Settings


def desk_api_token(settings: Settings) -> str:
    """The configured token, or a generated local secret shared through the data dir."""
    return settings.secret("desk_api_token")
