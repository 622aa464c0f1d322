"""Careline's SMS and WhatsApp input channels (Rasa custom channels, see credentials.yml).

Under ``careline run`` Twilio's webhooks land here and their turns run in this
process (twilio_turns.py). Under ``careline up`` they land on the Twilio gateway,
which relays each turn to the ``/turn`` route here (turn_relay.py). Either way,
sends outside a turn (desk replies, notices) go through this channel's output, and
every process serving the channel re-drives messages whose turn was cut off
(inbound_journal.py): here with Rasa's own ``on_new_message``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from pydantic import ValidationError
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from careline.channels.proven_turn import run_proven
from careline.channels.rendering import CHANNEL_LIMITS
from careline.channels.sender import SenderIdentity, TwilioSender
from careline.channels.status_callbacks import StatusWriter, answer_status
from careline.channels.store import ChannelStore
from careline.channels.turn_relay import (
    TURN_PATH, RelayedTurn, TurnAnswer, TurnCollector, authorised,
)
from careline.channels.twilio_output import SmsOutput, TwilioOutput, WhatsAppOutput
from careline.channels.twilio_turns import MAX_CONCURRENT_TURNS, TwilioTurns, WebhookRequest
from careline.channels.twilio_webhook import IDEMPOTENCY_HEADER, SIGNATURE_HEADER
from careline.observability import correlation
from careline.settings import Settings, get_settings

#: The twilio library logs every API request, headers and all, at INFO: a dozen lines
#: per reply written from the event loop that also acknowledges webhooks. Its warnings
#: stay; each send's outcome is in channel_deliveries and in our own log lines.
logging.getLogger("twilio").setLevel(logging.WARNING)


class TwilioChannel(InputChannel):
    """Shared behaviour of the SMS and WhatsApp channels."""

    kind = "sms"
    output_class: type[TwilioOutput] = SmsOutput

    @classmethod
    def name(cls) -> Text:
        return cls.kind

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls.configured(credentials)

    @classmethod
    def configured(cls, credentials: Optional[Dict[Text, Any]], *,
                   settings: Optional[Settings] = None,
                   store: Optional[ChannelStore] = None) -> TwilioChannel:
        """From credentials.yml's entry, in Rasa or in the Twilio gateway. Optional keys:
        ``from_number``, ``messaging_service_sid``, ``max_body_chars``,
        ``max_concurrent_turns``."""
        credentials = credentials or {}
        return cls(from_number=credentials.get("from_number"),
                   messaging_service_sid=credentials.get("messaging_service_sid"),
                   limit=credentials.get("max_body_chars"),
                   concurrency=credentials.get("max_concurrent_turns"),
                   settings=settings, store=store)

    def __init__(self, *, from_number: Optional[str] = None,
                 messaging_service_sid: Optional[str] = None, limit: Optional[int] = None,
                 concurrency: Optional[int] = None, settings: Optional[Settings] = None,
                 store: Optional[ChannelStore] = None) -> None:
        self.settings = settings or get_settings()
        self.store = store or ChannelStore()
        default_from = (self.settings.twilio_whatsapp_from if self.kind == "whatsapp"
                         else self.settings.twilio_sms_from)
        identity = SenderIdentity(
            channel=self.kind, from_number=from_number or default_from,
            messaging_service_sid=messaging_service_sid
            or self.settings.twilio_messaging_service_sid)
        self.sender = TwilioSender(settings=self.settings, identity=identity, store=self.store)
        self.status_writer = StatusWriter(self.store)
        self.turns = TwilioTurns(kind=self.kind, settings=self.settings, store=self.store,
                                 sender=self.sender, output_class=self.output_class,
                                 limit=int(limit or CHANNEL_LIMITS[self.kind]),
                                 concurrency=int(concurrency or MAX_CONCURRENT_TURNS))

    def get_output_channel(self) -> TwilioOutput:
        """Reaches a conversation's customer outside a turn (desk replies, notices)."""
        return self.turns.output()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hooks = Blueprint(f"careline_{self.kind}", __name__)
        recovery: list[asyncio.Task] = []

        @hooks.listener("after_server_start")
        async def start_recovery(*_: Any) -> None:
            recovery.append(asyncio.create_task(self.turns.recover(on_new_message)))

        @hooks.listener("before_server_stop")
        async def stop_recovery(*_: Any) -> None:
            for task in recovery:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        @hooks.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "channel": self.kind})

        @hooks.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            answer = await self.turns.accept(WebhookRequest(
                path=request.path, query_string=request.query_string,
                content_type=request.content_type, body=request.body,
                signature=request.headers.get(SIGNATURE_HEADER),
                idempotency_token=request.headers.get(IDEMPOTENCY_HEADER)), on_new_message)
            # empty TwiML: the replies go out through Twilio's REST API, not in this answer
            return response.text(answer.text, status=answer.status,
                                 content_type=answer.content_type, headers=answer.headers)

        @hooks.route(TURN_PATH, methods=["POST"])
        async def relayed_turn(request: Request) -> HTTPResponse:
            # `careline up`: the Twilio gateway has checked the webhook (turn_relay.py)
            if not authorised(request.headers.get("Authorization"),
                              self.settings.rasa_token.get_secret_value()):
                return response.json({"error": "a relayed turn needs the Rasa API token"},
                                     status=401)
            try:
                turn = RelayedTurn.parse_raw(request.body)
            except ValidationError as error:
                return response.json({"error": str(error)}, status=400)
            # the gateway's id for the turn (its MessageSid), on this replica's lines too
            correlation.use(request.headers.get(correlation.HEADER) or turn.message_id)
            collector = TurnCollector(self.kind)
            await run_proven(on_new_message, UserMessage(
                turn.text, collector, turn.sender_id, input_channel=self.kind,
                message_id=turn.message_id, metadata=turn.metadata),
                customer_id=turn.customer_id, proved_by=turn.proved_by)
            return response.json(TurnAnswer(messages=collector.messages).dict())

        @hooks.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            # `careline up` sends these to the Twilio gateway instead (twilio_gateway.py)
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


class SmsChannel(TwilioChannel):
    kind = "sms"
    output_class = SmsOutput


class WhatsAppChannel(TwilioChannel):
    kind = "whatsapp"
    output_class = WhatsAppOutput
