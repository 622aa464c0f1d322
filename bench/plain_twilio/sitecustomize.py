"""Aims the plain bot's twilio client at the local stand-in (bench only).

Rasa's own Twilio channel builds a synchronous ``twilio.rest.Client`` with no way to
choose where it sends; Twilio's cloud cannot be reached from here. `bench/load.py`
puts this directory on the plain bot's ``PYTHONPATH`` with ``PLAIN_TWILIO_API_BASE_URL``
set, so Python imports this module at start-up and every Twilio API request goes to
that base URL instead of ``*.twilio.com``: the same redirect Careline's
``BaseUrlHttpClient`` makes. Rasa's channel code and the real client run unchanged.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit


def _redirect(base_url: str) -> None:
    from twilio.http.http_client import TwilioHttpClient

    base = urlsplit(base_url)
    send = TwilioHttpClient.request

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        parts = urlsplit(url)
        moved = urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + parts.path,
                            parts.query, ""))
        return send(self, method, moved, *args, **kwargs)

    TwilioHttpClient.request = request  # type: ignore[method-assign]


if os.environ.get("PLAIN_TWILIO_API_BASE_URL"):
    _redirect(os.environ["PLAIN_TWILIO_API_BASE_URL"])
