"""Relaying a Twilio turn from the gateway to a Rasa replica, and its replies back.

Under ``careline up`` the Twilio gateway (twilio_gateway.py) does the channel's work:
signature, MessageSid claim, customer lookup, route, sends and their records. What
is left for Rasa is the turn itself: the gateway posts it to the channel's ``/turn``
route (through nginx, which retries a replica it cannot reach once on another),
Rasa runs it with a :class:`TurnCollector` and answers the bot's messages, and the
gateway sends them through the turn's :class:`~careline.channels.twilio_output.TwilioOutput`.

The route trusts what it is given (the customer the number belongs to, and what
proved it), so it requires the Rasa API token; the gateway sends the proof its own
signature check and lookup made (careline/channels/proven_turn.py), never metadata.
"""

from __future__ import annotations

import hmac
from typing import Any, Dict, List, Optional, Text

import aiohttp
from pydantic import BaseModel, Field
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from careline.channels.proven_turn import current_proof
from careline.identity.channel_trust import Proof
from careline.observability import correlation

#: The path under each Twilio channel's webhooks (``/webhooks/sms/turn``).
TURN_PATH = "/turn"


class RelayedTurn(BaseModel):
    """What the gateway posts: one customer message, already checked and resolved."""

    sender_id: str = Field(..., min_length=1)
    text: str
    message_id: str = Field(..., min_length=1)
    metadata: Dict[str, Any] = Field(default_factory=dict)
    #: What the gateway proved about the sender (see ChannelProof): the number's customer.
    customer_id: Optional[int] = None
    proved_by: Proof = Proof.NOTHING


class TurnAnswer(BaseModel):
    """What Rasa answers: the bot's messages, as Rasa's output channels receive them."""

    messages: List[Dict[str, Any]]


class TurnCollector(CollectingOutputChannel):
    """Collects a relayed turn's messages under the channel's own name, so responses
    written for ``channel: sms`` or ``whatsapp`` are chosen, and keeps each text whole
    (Rasa's collector splits at blank lines; the gateway's output splits by length)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def name(self) -> Text:  # type: ignore[override]
        return self.kind

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._persist_message(self._message(recipient_id, text=text))


def authorised(header: Optional[str], token: str) -> bool:
    """Whether ``header`` (Authorization) carries ``token``; no token, no relay."""
    expected = f"Bearer {token}"
    return bool(token) and header is not None and hmac.compare_digest(header, expected)


class RasaRelay:
    """The gateway's side: runs a turn on a Rasa replica and sends what it answers.

    Raises for anything but a full answer, so the caller apologises; the replies are
    sent only after the whole turn (Rasa's own channel sends them as they come).
    """

    def __init__(self, *, rasa_url: str, token: str, timeout_seconds: float) -> None:
        self._base = rasa_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: Optional[aiohttp.ClientSession] = None

    async def __call__(self, message: UserMessage) -> None:
        proof = current_proof()
        proven = proof is not None and proof.sender_id == message.sender_id
        turn = RelayedTurn(sender_id=message.sender_id, text=message.text or "",
                           message_id=message.message_id, metadata=message.metadata or {},
                           customer_id=proof.customer_id if proven else None,
                           proved_by=proof.proved_by if proven else Proof.NOTHING)
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
