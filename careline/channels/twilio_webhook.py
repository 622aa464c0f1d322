"""Reading Twilio's messaging webhooks: signature, parameters, media and location."""

from __future__ import annotations

from typing import Mapping, Optional
from urllib.parse import parse_qs

from sanic.request import Request, RequestParameters
from twilio.request_validator import RequestValidator

from careline.channels.schemas import Location, Media, TwilioInbound

SIGNATURE_HEADER = "X-Twilio-Signature"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
#: Set on the answer to an already processed MessageSid (``careline sms`` reports it).
DUPLICATE_HEADER = "X-Careline-Duplicate"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def public_url_of(request: Request, public_base: str) -> str:
    """The URL Twilio signed: the public base (as Twilio saw it behind proxies) + path."""
    query = f"?{request.query_string}" if request.query_string else ""
    return f"{public_base.rstrip('/')}{request.path}{query}"


def form_of(request: Request) -> RequestParameters:
    """The posted parameters, empty ones kept: Twilio signs ``Body=`` of a media-only
    message too, and Sanic's ``request.form`` would drop it."""
    if request.content_type.split(";")[0].strip() != "application/x-www-form-urlencoded":
        return RequestParameters()
    try:
        return RequestParameters(parse_qs(request.body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return RequestParameters()


def signature_is_valid(request: Request, form: RequestParameters, *, public_base: str,
                       auth_token: str) -> bool:
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        return False
    validator = RequestValidator(auth_token)
    return validator.validate(public_url_of(request, public_base), form, signature)


def _first(form: Mapping, name: str) -> Optional[str]:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _float(form: Mapping, name: str) -> Optional[float]:
    try:
        return float(form.get(name))
    except (TypeError, ValueError):
        return None


def parse_inbound(channel: str, form: Mapping) -> Optional[TwilioInbound]:
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
