"""Rasa's side of SMS and WhatsApp: turns relayed by the Twilio edge, and nothing of Twilio.

Twilio's webhooks never reach Rasa: the edge (twilio_gateway.py) checks, claims and
acknowledges them, resolves the customer and posts each turn to ``/webhooks/sms/turn``
(or ``whatsapp``) here, with the Rasa API token (turn_relay.py). Rasa runs it with the
edge's proof of the sender (proven_turn.py), collects the bot's messages and answers
them; the edge sends them. Messages outside a turn (the desk's replies through Rasa's
``output_channel=latest``) are posted back to the edge's ``/webhooks/sms/outbound``
(:class:`EdgeOutput`), so the Rasa processes never hold a Twilio client.
"""

from __future__ import annotations

from typing import Any, Optional

import aiohttp
from pydantic import ValidationError
from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from careline.bearer import bearer_matches
from careline.channels.proven_turn import run_proven
from careline.channels.turn_relay import (
    OUTBOUND_PATH,
    TURN_PATH,
    OutboundMessages,
    RelayedTurn,
    TurnAnswer,
)
from careline.observability import correlation
from careline.settings import Settings, get_settings

#: The edge answers once the messages were handed to Twilio (a few parts, retried).
OUTBOUND_TIMEOUT_SECONDS = 60.0


class TurnCollector(CollectingOutputChannel):
    """Collects a relayed turn's messages under the channel's own name, so responses
    written for ``channel: sms`` or ``whatsapp`` are chosen, and keeps each text whole
    (Rasa's collector splits at blank lines; the edge's output splits by length)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def name(self) -> str:  # type: ignore[override]
        return self.kind

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text))


class EdgeOutput(OutputChannel):
    """A conversation's messages outside a turn, handed to the edge to send; raises when
    the edge did not take them, so the caller (the desk) sees the failure."""

    def __init__(self, *, kind: str, edge_url: str, token: str) -> None:
        self.kind = kind
        self._url = f"{edge_url.rstrip('/')}/webhooks/{kind}{OUTBOUND_PATH}"
        self._token = token

    def name(self) -> str:  # type: ignore[override]
        return self.kind

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        body = OutboundMessages(recipient_id=recipient_id, messages=[
            {key: value for key, value in message.items() if key != "recipient_id"}])
        headers = {"Authorization": f"Bearer {self._token}",
                   "Content-Type": "application/json"}
        if correlation.current():
            headers[correlation.HEADER] = str(correlation.current())
        timeout = aiohttp.ClientTimeout(total=OUTBOUND_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session, \
                session.post(self._url, data=body.json(), headers=headers) as reply:
            if reply.status != 200:
                raise RuntimeError(f"the Twilio edge answered {reply.status}: "
                                   f"{(await reply.text())[:200]}")

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class RelayedChannel(InputChannel):
    """The ``/turn`` route of one Twilio channel, and its output outside a turn."""

    kind = "sms"

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or get_settings()

    @classmethod
    def name(cls) -> str:
        return cls.kind

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        return cls()

    def get_output_channel(self) -> EdgeOutput:
        return EdgeOutput(kind=self.kind, edge_url=self.settings.edge_url,
                          token=self.settings.rasa_token.get_secret_value())

    def blueprint(self, on_new_message: Any) -> Blueprint:
        hooks = Blueprint(f"careline_{self.kind}_turns", __name__)

        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "channel": self.kind})

        async def relayed_turn(request: Request) -> HTTPResponse:
            if not bearer_matches(request.headers.get("Authorization"),
                                  self.settings.rasa_token.get_secret_value()):
                return response.json({"error": "a relayed turn needs the Rasa API token"},
                                     status=401)
            try:
                turn = RelayedTurn.parse_raw(request.body)
            except ValidationError as error:
                return response.json({"error": str(error)}, status=400)
            # the edge's id for the turn (its MessageSid), on Rasa's lines too
            correlation.use(request.headers.get(correlation.HEADER) or turn.message_id)
            collector = TurnCollector(self.kind)
            await run_proven(on_new_message, UserMessage(
                turn.text, collector, turn.sender_id, input_channel=self.kind,
                message_id=turn.message_id, metadata=turn.metadata),
                customer_id=turn.customer_id, proved_by=turn.proved_by)
            return response.json(TurnAnswer(messages=collector.messages).dict())

        hooks.add_route(health, "/", methods=["GET"])
        hooks.add_route(relayed_turn, TURN_PATH, methods=["POST"])
        return hooks


class SmsTurns(RelayedChannel):
    kind = "sms"


class WhatsAppTurns(RelayedChannel):
    kind = "whatsapp"
