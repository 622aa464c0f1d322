"""The real twilio client, async, aimed where the settings say.

Under the local profile it talks to :mod:`careline.twilio_standin` (``make run``'s, or
``TWILIO_API_BASE_URL``'s in tests); under the production profile to Twilio's own API,
the client's default base (``https://api.twilio.com``): see
:attr:`careline.settings.Settings.resolved_twilio_api_base_url`.
"""

from __future__ import annotations

from typing import Optional
from urllib.parse import urlsplit, urlunsplit

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from careline.settings import Settings


class BaseUrlHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # twilio is untyped
    """Sends every Twilio API request to ``base_url`` instead of ``*.twilio.com``."""

    def __init__(self, base_url: Optional[str], *, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base_url) if base_url else None

    async def request(self, method: str, url: str, params: Optional[dict[str, object]] = None,
                      data: Optional[dict[str, object]] = None,
                      headers: Optional[dict[str, str]] = None,
                      auth: Optional[tuple[str, str]] = None, timeout: Optional[float] = None,
                      allow_redirects: bool = False) -> Response:
        if self._base is not None:
            parts = urlsplit(url)
            prefix = self._base.path.rstrip("/")
            url = urlunsplit((self._base.scheme, self._base.netloc, prefix + parts.path,
                              parts.query, ""))
        return await super().request(method, url, params=params, data=data, headers=headers,
                                     auth=auth, timeout=timeout or self.timeout,
                                     allow_redirects=allow_redirects)


def async_twilio_client(settings: Settings) -> Client:
    """A twilio ``Client`` whose ``*_async`` methods never block the event loop.

    Create it inside the running loop: its aiohttp session belongs to that loop.
    """
    return Client(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
                  http_client=BaseUrlHttpClient(settings.resolved_twilio_api_base_url))


def twilio_destination(settings: Settings) -> str:
    """Where outbound messages go, in words, for start-up banners."""
    base_url = settings.resolved_twilio_api_base_url
    if base_url is None:
        return "messages go to Twilio (api.twilio.com) and reach real phones"
    return f"messages go to {base_url} (the Twilio stand-in), never to a phone"


def twilio_address(channel: str, e164: str) -> str:
    """How Twilio names an address on ``channel``: ``whatsapp:+44…`` or ``+44…``."""
    return f"whatsapp:{e164}" if channel == "whatsapp" else e164
