"""Careline's SMS and WhatsApp input channels (Rasa custom channels, see credentials.yml).

A webhook is checked (signature, duplicate ``MessageSid``), acknowledged at once
with empty TwiML, and its turn runs in a background task; Rasa's lock store
serialises turns of one conversation. Replies go out through the REST API; a
turn's deliveries are recorded in one write after its last reply (``twilio_output``).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from careline.channels.conversation_key import CustomerKey, resolve_customer
from careline.channels.keywords import REPLIES, Keyword, keyword_of
from careline.channels.rendering import CHANNEL_LIMITS, resolve_choice
from careline.channels.schemas import TwilioInbound
from careline.channels.sender import SenderIdentity, TwilioSender
from careline.channels.status_callbacks import StatusWriter, answer_status
from careline.channels.store import ChannelStore
from careline.channels.twilio_output import SmsOutput, TwilioOutput, WhatsAppOutput
from careline.channels.twilio_webhook import (
    DUPLICATE_HEADER, EMPTY_TWIML, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, Form, form_of,
    parse_inbound, signature_is_valid,
)
from careline.db.session import run_blocking
from careline.observability.redact import mask_phone
from careline.settings import Settings, get_settings

logger = logging.getLogger(__name__)
#: The twilio library logs every API request, headers and all, at INFO: a dozen lines
#: per reply written from the event loop that also acknowledges webhooks. Its warnings
#: stay; each send's outcome is in channel_deliveries and in our own log lines.
logging.getLogger("twilio").setLevel(logging.WARNING)

#: Turns run at once per channel; more wait their turn while their webhooks are acknowledged,
#: so a burst cannot starve the event loop that acknowledges (and records) new webhooks.
MAX_CONCURRENT_TURNS = 8
#: Recording a MessageSid may wait this long (Twilio gives up on a webhook after 15 s).
CLAIM_TIMEOUT_SECONDS = 10.0

APOLOGY = ("Sorry, something went wrong on our side while answering you. "
           "Please try again in a few minutes.")


class TwilioChannel(InputChannel):
    """Shared behaviour of the SMS and WhatsApp channels."""

    kind = "sms"
    output_class: type[TwilioOutput] = SmsOutput

    @classmethod
    def name(cls) -> Text:
        return cls.kind

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Optional credentials: ``from_number``, ``messaging_service_sid``,
        ``max_body_chars``, ``max_concurrent_turns``."""
        credentials = credentials or {}
        return cls(from_number=credentials.get("from_number"),
                   messaging_service_sid=credentials.get("messaging_service_sid"),
                   limit=credentials.get("max_body_chars"),
                   concurrency=credentials.get("max_concurrent_turns"))

    def __init__(self, *, from_number: Optional[str] = None,
                 messaging_service_sid: Optional[str] = None, limit: Optional[int] = None,
                 concurrency: Optional[int] = None, settings: Optional[Settings] = None,
                 store: Optional[ChannelStore] = None) -> None:
        self.settings = settings or get_settings()
        default_from = (self.settings.twilio_whatsapp_from if self.kind == "whatsapp"
                        else self.settings.twilio_sms_from)
        identity = SenderIdentity(
            channel=self.kind, from_number=from_number or default_from,
            messaging_service_sid=messaging_service_sid
            or self.settings.twilio_messaging_service_sid)
        self.store = store or ChannelStore()
        self.sender = TwilioSender(settings=self.settings, identity=identity, store=self.store)
        self.status_writer = StatusWriter(self.store)
        self.limit = int(limit or CHANNEL_LIMITS[self.kind])
        self._turns: set[asyncio.Task] = set()
        self._concurrency = int(concurrency or MAX_CONCURRENT_TURNS)
        self._slots: Optional[asyncio.Semaphore] = None  # made in the server's loop

    def get_output_channel(self) -> TwilioOutput:
        """Reaches a conversation's customer outside a turn (desk replies, notices)."""
        return self.output_class(sender=self.sender, store=self.store, limit=self.limit)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hooks = Blueprint(f"careline_{self.kind}", __name__)

        @hooks.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "channel": self.kind})

        @hooks.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            form = form_of(request)
            if not self._signed(request, form):
                return response.text("invalid Twilio signature", status=403)
            inbound = parse_inbound(self.kind, form)
            if inbound is None:
                logger.warning("%s webhook without From or MessageSid ignored", self.kind)
                return _twiml()
            try:
                first_time = await run_blocking(functools.partial(
                    self.store.claim_inbound, message_sid=inbound.message_sid,
                    channel=self.kind, idempotency_token=request.headers.get(IDEMPOTENCY_HEADER)),
                    timeout=CLAIM_TIMEOUT_SECONDS)
            except Exception:  # noqa: BLE001 - unknown whether seen: let Twilio retry it
                logger.exception("%s %s: could not record the MessageSid", self.kind,
                                 inbound.message_sid)
                return response.text("temporarily unavailable", status=503)
            if not first_time:
                logger.info("%s %s already processed (Twilio retry, idempotency token %s)",
                            self.kind, inbound.message_sid,
                            request.headers.get(IDEMPOTENCY_HEADER, "none"))
                return _twiml(duplicate=True)
            task = asyncio.create_task(self._run_turn(inbound, on_new_message))
            self._turns.add(task)
            task.add_done_callback(self._turns.discard)
            return _twiml()

        @hooks.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            # `careline up` sends these to the receipts service instead (receipts.py)
            answer = await answer_status(
                channel=self.kind, path=request.path, query_string=request.query_string,
                content_type=request.content_type, body=request.body,
                signature=request.headers.get(SIGNATURE_HEADER),
                public_base=self.settings.public_url,
                auth_token=self.settings.twilio_auth_token.get_secret_value(),
                writer=self.status_writer)
            if answer.status == 204:
                return response.empty(status=204)
            return response.text(answer.text, status=answer.status)

        return hooks

    def _signed(self, request: Request, form: Form) -> bool:
        valid = signature_is_valid(
            request, form, public_base=self.settings.public_url,
            auth_token=self.settings.twilio_auth_token.get_secret_value())
        if not valid:
            logger.warning("refused %s %s: missing or invalid X-Twilio-Signature (from %s)",
                           self.kind, request.path, mask_phone(form.get("From") or ""))
        return valid

    async def _run_turn(self, inbound: TwilioInbound,
                        on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._concurrency)
        async with self._slots:
            await self._turn(inbound, on_new_message)

    async def _turn(self, inbound: TwilioInbound,
                    on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        key = await resolve_customer(self.kind, inbound.raw_from)
        output = self.output_class(sender=self.sender, store=self.store, address=key.address,
                                   limit=self.limit, per_turn=True)
        try:
            previous = await run_blocking(functools.partial(
                self.store.remember_route, sender_id=key.sender_id, channel=self.kind,
                address=key.address))
            keyword = keyword_of(inbound.body, inbound.opt_out_type)
            if keyword is not None:
                await self._honour_keyword(keyword, inbound, key, output)
                return
            choice = resolve_choice(inbound.body, previous.offered_choices) if previous else None
            # a photo or location without words stays empty: the Agent hook (rasa_stores.guard)
            # answers it as out of scope, and a person sees the media in the handoff's metadata
            text = inbound.button_payload or choice or inbound.body.strip()
            await on_new_message(UserMessage(
                text, output, key.sender_id, input_channel=self.name(),
                message_id=inbound.message_sid, metadata=_metadata(inbound, key)))
        except Exception:  # noqa: BLE001 - the customer gets an apology, never silence
            logger.exception("%s turn for %s failed", self.kind, key.sender_id)
            await output.send_text_message(key.sender_id, APOLOGY)
        finally:  # the turn's deliveries in one write, after its last reply (twilio_output)
            await output.flush_deliveries()

    async def _honour_keyword(self, keyword: Keyword, inbound: TwilioInbound, key: CustomerKey,
                              output: TwilioOutput) -> None:
        if keyword is not Keyword.HELP:
            from careline.profile.service import ProfileService

            await run_blocking(functools.partial(
                ProfileService().set_channel_opt_out, channel=self.kind, address=key.address,
                opted_out=keyword is Keyword.STOP))
            logger.info("%s %s on %s", mask_phone(key.address), keyword.value, self.kind)
        if inbound.opt_out_type is None:  # with Advanced Opt-Out, Twilio has replied already
            await output.send_text_message(key.sender_id, REPLIES[keyword])


class SmsChannel(TwilioChannel):
    kind = "sms"
    output_class = SmsOutput


class WhatsAppChannel(TwilioChannel):
    kind = "whatsapp"
    output_class = WhatsAppOutput


def _twiml(*, duplicate: bool = False) -> HTTPResponse:
    """Empty TwiML: replies go out through the REST API, not in the webhook's answer."""
    headers = {DUPLICATE_HEADER: "1"} if duplicate else None
    return response.text(EMPTY_TWIML, content_type="text/xml", headers=headers)


def _metadata(inbound: TwilioInbound, key: CustomerKey) -> Dict[str, Any]:
    metadata: Dict[str, Any] = {
        "channel": inbound.channel, "customer_id": key.customer_id, "address": key.address,
        # WhatsApp vouches for the number; an SMS sender id can be spoofed.
        "verified": inbound.channel == "whatsapp" and key.customer_id is not None,
        "media": [{"url": m.url, "content_type": m.content_type} for m in inbound.media],
        "message_sid": inbound.message_sid,
    }
    if inbound.location is not None:
        metadata["location"] = {"latitude": inbound.location.latitude,
                                "longitude": inbound.location.longitude,
                                "label": inbound.location.label,
                                "address": inbound.location.address}
    if inbound.profile_name:
        metadata["profile_name"] = inbound.profile_name
    if inbound.wa_id:
        metadata["wa_id"] = inbound.wa_id
    if key.profile_unavailable:
        metadata["profile_unavailable"] = True
    return metadata
