"""The real twilio client, async, aimed at ``TWILIO_API_BASE_URL`` when one is set.

Tests and ``make run`` point it at :mod:`careline.twilio_standin`; production
leaves the base URL unset and talks to Twilio.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from careline.settings import Settings


class BaseUrlHttpClient(AsyncTwilioHttpClient):
    """Sends every Twilio API request to ``base_url`` instead of ``*.twilio.com``."""

    def __init__(self, base_url: Optional[str], *, timeout: float = 10.0) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base_url) if base_url else None

    async def request(self, method: str, url: str, params: Optional[Dict[str, object]] = None,
                      data: Optional[Dict[str, object]] = None,
                      headers: Optional[Dict[str, str]] = None,
                      auth: Optional[Tuple[str, str]] = None, timeout: Optional[float] = None,
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
                  http_client=BaseUrlHttpClient(settings.twilio_api_base_url))


def twilio_address(channel: str, e164: str) -> str:
    """How Twilio names an address on ``channel``: ``whatsapp:+44…`` or ``+44…``."""
    return f"whatsapp:{e164}" if channel == "whatsapp" else e164
