"""The shared token the handoff worker presents to the desk's machine API."""

from __future__ import annotations

import hmac

from careline.settings import Settings


def desk_api_token(settings: Settings) -> str:
    """The configured token, or a generated local secret shared through the data dir."""
    from careline.runtime.local_secrets import local_secret

    configured = settings.desk_api_token.get_secret_value()
    return configured or local_secret(settings.data_dir, "desk-api-token")


def bearer_matches(header: str | None, token: str) -> bool:
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
