"""Relaying a Twilio turn from the edge to Rasa, and its replies back.

The Twilio edge (twilio_gateway.py) does the channel's work: signature, MessageSid
claim, customer lookup, route, sends and their records. What is left for Rasa is the
turn itself: the edge posts it to the channel's ``/turn`` route (straight to the one
Rasa under ``careline run``; through nginx, which retries a replica it cannot reach
once on another, under ``careline up``), Rasa runs it and answers the bot's messages
(relayed_turns.py), and the edge sends them through the turn's
:class:`~careline.channels.twilio_output.TwilioOutput`.

The route trusts what it is given (the customer the number belongs to, and what
proved it), so it requires the Rasa API token; the edge sends the proof its own
signature check and lookup made, never metadata. Nothing here imports Rasa.
"""

from __future__ import annotations

from typing import Any, Optional

import aiohttp
from pydantic import BaseModel, Field

from careline.channels.twilio_turns import PhoneTurn
from careline.identity.channel_trust import Proof
from careline.observability import correlation

#: The path under each Twilio channel's webhooks (``/webhooks/sms/turn``), on Rasa.
TURN_PATH = "/turn"
#: The path under each channel's webhooks (``/webhooks/sms/outbound``), on the edge:
#: Rasa's messages outside a turn (desk replies), sent by the edge.
OUTBOUND_PATH = "/outbound"


class RelayedTurn(BaseModel):
    """What the edge posts: one customer message, already checked and resolved."""

    sender_id: str = Field(..., min_length=1)
    text: str
    message_id: str = Field(..., min_length=1)
    metadata: dict[str, Any] = Field(default_factory=dict)
    #: What the edge proved about the sender (see ChannelProof): the number's customer.
    customer_id: Optional[int] = None
    proved_by: Proof = Proof.NOTHING


class TurnAnswer(BaseModel):
    """What Rasa answers: the bot's messages, as Rasa's output channels receive them."""

    messages: list[dict[str, Any]]


class OutboundMessages(BaseModel):
    """What Rasa posts the edge outside a turn: bot messages for one conversation."""

    recipient_id: str = Field(..., min_length=1)
    messages: list[dict[str, Any]]


class RasaRelay:
    """The edge's side: runs a turn on Rasa and sends what it answers.

    Raises for anything but a full answer, so the caller apologises; the replies are
    sent only after the whole turn.
    """

    def __init__(self, *, rasa_url: str, token: str, timeout_seconds: float) -> None:
        self._base = rasa_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: Optional[aiohttp.ClientSession] = None

    async def __call__(self, message: PhoneTurn) -> None:
        turn = RelayedTurn(sender_id=message.sender_id, text=message.text,
                           message_id=message.message_id, metadata=message.metadata,
                           customer_id=message.customer_id, proved_by=message.proved_by)
        url = f"{self._base}/webhooks/{message.input_channel}{TURN_PATH}"
        async with self._client().post(
                url, data=turn.json(), timeout=self._timeout,
                headers={"Authorization": f"Bearer {self._token}",
                         "Content-Type": "application/json",
                         correlation.HEADER: correlation.current() or turn.message_id}
        ) as reply:
            if reply.status != 200:
                raise RuntimeError(f"Rasa answered the relayed turn with {reply.status}: "
                                   f"{(await reply.text())[:200]}")
            answer = TurnAnswer.parse_obj(await reply.json())
        for bot_message in answer.messages:
            bot_message.pop("recipient_id", None)
            await message.output_channel.send_response(message.sender_id, bot_message)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=30))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
