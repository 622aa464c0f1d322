"""Reading Twilio's messaging webhooks: signature, parameters, media and location.

The signature check and the form parsing take plain values (path, body, header), so
webhooks and status callbacks are read the same in the Rasa process (Sanic) and in
the Twilio gateway (aiohttp).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional
from urllib.parse import parse_qs, urlparse

from twilio.request_validator import RequestValidator, add_port, compare, remove_port

from careline.channels.schemas import Location, Media, TwilioInbound

SIGNATURE_HEADER = "X-Twilio-Signature"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
#: Set on the answer to an already processed MessageSid (``careline sms`` reports it).
DUPLICATE_HEADER = "X-Careline-Duplicate"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class Form(dict):  # type: ignore[type-arg]
    """Posted parameters, every value of a name kept (Twilio signs them all);
    ``get`` answers the first."""

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:  # type: ignore[override]
        values = super().get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        """What Twilio's ``RequestValidator`` reads."""
        return list(super().get(name) or [])


def parse_form(content_type: str, body: bytes) -> Form:
    """The posted parameters, empty ones kept: Twilio signs ``Body=`` of a media-only
    message too, and the frameworks' form parsers drop it. ``content_type`` is the
    header as sent (aiohttp's parsed ``content_type`` costs an email-parser run)."""
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return Form()
    try:
        return Form(parse_qs(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return Form()


def signed_url(public_base: str, path: str, query_string: str = "") -> str:
    """The URL Twilio signed: the public base (as Twilio saw it behind proxies) + path."""
    query = f"?{query_string}" if query_string else ""
    return f"{public_base.rstrip('/')}{path}{query}"


def signature_matches(*, url: str, form: Form, signature: Optional[str],
                      auth_token: str) -> bool:
    """Whether ``signature`` (the X-Twilio-Signature header) signs ``url`` and ``form``.

    As ``RequestValidator.validate`` for a form: the URL without its default port, then
    with it (Twilio signs either); the second is computed only when the first fails.
    """
    if not signature:
        return False
    validator, parsed = RequestValidator(auth_token), urlparse(url)
    return any(compare(validator.compute_signature(candidate, form), signature)
               for candidate in (remove_port(parsed), add_port(parsed)))


def _first(form: Mapping[str, Any], name: str) -> Optional[str]:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _float(form: Mapping[str, Any], name: str) -> Optional[float]:
    try:
        return float(form.get(name, ""))
    except (TypeError, ValueError):
        return None


def parse_inbound(channel: str, form: Mapping[str, Any]) -> Optional[TwilioInbound]:
    """The message a webhook carries, or None when it lacks a sender or a MessageSid."""
    message_sid = _first(form, "MessageSid") or _first(form, "SmsMessageSid")
    raw_from = _first(form, "From")
    if not message_sid or not raw_from:
        return None
    media = []
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        count = 0
    for index in range(min(count, 10)):
        url = _first(form, f"MediaUrl{index}")
        if url:
            media.append(Media(url=url, content_type=_first(form, f"MediaContentType{index}")
                               or "application/octet-stream"))
    latitude, longitude = _float(form, "Latitude"), _float(form, "Longitude")
    location = None
    if latitude is not None and longitude is not None:
        location = Location(latitude=latitude, longitude=longitude,
                            label=_first(form, "Label"), address=_first(form, "Address"))
    return TwilioInbound(
        channel=channel, message_sid=message_sid, raw_from=raw_from,
        body=(form.get("Body") or "").replace("¡", "@"),  # some carriers corrupt "@"
        media=tuple(media), location=location, profile_name=_first(form, "ProfileName"),
        wa_id=_first(form, "WaId"), opt_out_type=_first(form, "OptOutType"),
        button_payload=_first(form, "ButtonPayload"),
    )
