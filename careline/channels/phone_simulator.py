"""Playing a customer's phone: a signed Twilio webhook in, the stand-in's messages out.

Used by ``careline sms`` / ``careline whatsapp`` and the end-to-end tests, so
everyone can try the phone channels without a Twilio account.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import aiohttp
from twilio.request_validator import RequestValidator

from careline.channels.twilio_client import async_twilio_client, twilio_address
from careline.channels.twilio_webhook import DUPLICATE_HEADER, SIGNATURE_HEADER
from careline.settings import Settings


@dataclass(frozen=True)
class PhoneMessage:
    """What the customer sends: text and, optionally, media or a location."""

    text: str = ""
    message_sid: Optional[str] = None
    media: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    location: Optional[tuple[float, float]] = None
    profile_name: Optional[str] = None
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class WebhookResult:
    status: int
    duplicate: bool
    message_sid: str


class NoStandin(RuntimeError):
    """The phone reads its replies from the Twilio stand-in, and these settings have none."""


class Phone:
    """A customer number on ``channel`` ("sms" or "whatsapp") talking to a running Careline.

    Only where replies go to the stand-in: under the production profile (without the
    tests' CARELINE_ALLOW_TWILIO_STANDIN) the replies would go to a real phone, so
    constructing one raises :class:`NoStandin` before anything is sent.
    """

    def __init__(self, *, settings: Settings, channel: str, number: str,
                 server_url: Optional[str] = None) -> None:
        self.settings = _with_standin(settings)
        self.channel = channel
        self.number = number
        self.server_url = (server_url or settings.public_url).rstrip("/")
        self.path = f"/webhooks/{channel}/webhook"

    def webhook_form(self, message: PhoneMessage) -> dict[str, str]:
        our_number = (self.settings.twilio_whatsapp_from if self.channel == "whatsapp"
                      else self.settings.twilio_sms_from)
        sid = message.message_sid or "SM" + secrets.token_hex(16)
        form = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid":
                self.settings.twilio_account_sid, "From": twilio_address(self.channel,
                                                                         self.number),
                "To": twilio_address(self.channel, our_number), "Body": message.text,
                "NumMedia": str(len(message.media)), "ApiVersion": "2010-04-01"}
        for index, (url, content_type) in enumerate(message.media):
            form[f"MediaUrl{index}"], form[f"MediaContentType{index}"] = url, content_type
        if message.location:
            form["Latitude"], form["Longitude"] = map(str, message.location)
        if self.channel == "whatsapp":
            form["WaId"] = self.number.lstrip("+")
            if message.profile_name:
                form["ProfileName"] = message.profile_name
        form.update(dict(message.extra))
        return form

    def signature(self, form: dict[str, str], path: Optional[str] = None) -> str:
        """What Twilio would sign: the public URL of ``path`` and the form."""
        url = self.settings.public_url.rstrip("/") + (path or self.path)
        signature: str = RequestValidator(self.settings.twilio_auth_token.get_secret_value()
                                          ).compute_signature(url, form)
        return signature

    async def send(self, message: PhoneMessage, *,
                   signature: Optional[str] = None) -> WebhookResult:
        form = self.webhook_form(message)
        headers = {SIGNATURE_HEADER: signature if signature is not None
                   else self.signature(form)}
        async with aiohttp.ClientSession() as session:
            async with session.post(self.server_url + self.path, data=form, headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=15)) as reply:
                await reply.read()
                return WebhookResult(status=reply.status,
                                     duplicate=reply.headers.get(DUPLICATE_HEADER) == "1",
                                     message_sid=form["MessageSid"])

    async def received(self) -> list[dict[str, Any]]:
        """Every message sent to this phone so far, oldest first (from the stand-in)."""
        client = async_twilio_client(self.settings)
        try:
            messages = await client.messages.list_async(
                to=twilio_address(self.channel, self.number))
        finally:
            await client.http_client.close()
        # Twilio lists newest first; date_created has whole seconds only, so a turn's
        # replies tie on it: reversing the listing keeps the order they were sent in.
        return [{"sid": m.sid, "body": m.body, "from": m.from_, "to": m.to}
                for m in reversed(messages)]

    async def wait_for_replies(self, *, known: set[str], timeout: float,
                               quiet: float = 2.0) -> list[dict[str, Any]]:
        """New messages since ``known``: wait up to ``timeout`` for the first, then until
        ``quiet`` seconds pass without another."""
        deadline = time.monotonic() + timeout
        new: list[dict[str, Any]] = []
        last_arrival: Optional[float] = None
        while time.monotonic() < deadline:
            fresh = [m for m in await self.received() if m["sid"] not in known]
            if len(fresh) > len(new):
                new, last_arrival = fresh, time.monotonic()
            if last_arrival is not None and time.monotonic() - last_arrival >= quiet:
                break
            await asyncio.sleep(0.25)
        return new


def _with_standin(settings: Settings) -> Settings:
    base_url = settings.resolved_twilio_api_base_url
    if base_url is None:
        raise NoStandin("careline sms, careline whatsapp and careline chat --phone play a "
                        "phone against the Twilio stand-in; the production profile has none "
                        "(replies would reach a real phone)")
    return settings.copy(update={"twilio_api_base_url": base_url})
