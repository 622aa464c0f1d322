"""Careline's one client of Rasa's HTTP API, and the typed errors every caller catches.

The desk (an agent's line, the rating question, the hand-back) and proactive care (a
notice entered into the customer's conversation) talk to a conversation through Rasa, so
the tracker keeps the whole story; ``careline chat`` sends a message as a trusted caller
of the REST channel. Appending ``BotUttered`` with ``execute_side_effects``
and ``output_channel=latest`` makes Rasa send the text on the channel the customer last
wrote from and log it; triggering an intent makes the bot answer as if the customer had
asked. A web chat customer with no socket open on any replica gets nothing, and the call
fails as :class:`CustomerNotConnected` (careline.webchat.rooms) rather than counting as
delivered.

What went wrong is a type, never a message to match: :class:`RasaUnreachable` and
:class:`RasaTimeout` may pass (``transient``: try again later), :class:`RasaRefused`
(Rasa answered, but not 200) and :class:`RasaBadReply` (200, but not what the API
promises) will not by waiting.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Optional
from urllib.parse import quote

import aiohttp

from careline.settings import Settings
from careline.webchat.rooms import OFFLINE_REASON

Event = dict[str, Any]
#: What nginx answers when no Rasa replica behind it took the request.
NO_REPLICA_STATUSES = frozenset({502, 503, 504})


class RasaError(RuntimeError):
    """Rasa did not do what was asked; nothing reached the customer."""

    #: Whether the cause may pass, so the same call later may succeed.
    transient = False


class RasaUnreachable(RasaError):
    """No connection to Rasa (refused, reset, no route), or the load balancer in front
    answered that it has none (502, 503, 504): Rasa is down or restarting."""

    transient = True


class RasaTimeout(RasaError):
    """Rasa did not answer in time; it may be overloaded (the call may still have run)."""

    transient = True


class RasaRefused(RasaError):
    """Rasa answered with an HTTP error: the request, the token or the model is wrong."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"Rasa answered HTTP {status}: {body[:200]}")
        self.status = status
        self.body = body


class CustomerNotConnected(RasaRefused):
    """A web chat customer with no socket open anywhere: nothing was sent or recorded."""

    def __init__(self, status: int, body: str) -> None:
        RasaError.__init__(self, OFFLINE_REASON)
        self.status = status
        self.body = body


class RasaBadReply(RasaError):
    """Rasa answered 200 with a body that is not what its API promises."""


class RasaClient:
    """Rasa's HTTP API for one conversation at a time, authenticated with the Rasa token.

    One connection pool for the client's life (:meth:`close` releases it), so a batch of
    notices or a busy desk does not open a connection a call.
    """

    def __init__(self, *, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RasaClient:
        return cls(base_url=settings.rasa_url, token=settings.secret("rasa_token"))

    async def append_events(self, *, conversation_id: str, events: list[Event]) -> None:
        """Append ``events`` and run their side effects on the customer's latest channel."""
        await self._post(f"{self._conversation(conversation_id)}/tracker/events", events,
                         {"output_channel": "latest", "execute_side_effects": "true",
                          "token": self.token})

    async def trigger_intent(self, *, conversation_id: str, intent: str,
                             entities: dict[str, Any], output_channel: str = "latest"
                             ) -> list[dict[str, Any]]:
        """Have the bot answer ``intent`` as if the customer had said it; returns the
        messages Rasa collected (only a channel that collects instead of sending has any:
        Rasa leaves ``messages`` out for the others)."""
        reply = await self._post(f"{self._conversation(conversation_id)}/trigger_intent",
                                 {"name": intent, "entities": entities},
                                 {"output_channel": output_channel, "token": self.token})
        messages = reply.get("messages", []) if isinstance(reply, dict) else None
        if not isinstance(messages, list):
            raise RasaBadReply(f"trigger_intent answered without a list of messages: {reply!r}"
                               [:300])
        return messages

    async def rest_message(self, *, sender: str, text: str, rest_token: str
                           ) -> list[dict[str, Any]]:
        """Say ``text`` as ``sender`` on the REST channel (its own bearer token, not the API
        token); returns the bot's answers."""
        reply = await self._post(f"{self.base_url}/webhooks/rest/webhook",
                                 {"sender": sender, "message": text}, {},
                                 {"Authorization": f"Bearer {rest_token}"})
        if not isinstance(reply, list):
            raise RasaBadReply(f"the REST channel answered without a list: {reply!r}"[:300])
        return reply

    async def send_agent_message(self, *, conversation_id: str, text: str,
                                 agent: Optional[str], choices: tuple[str, ...] = ()) -> None:
        """A line from the desk; ``choices`` become buttons whose payload is their title."""
        line = agent_line(text, agent)
        if choices:
            line["data"] = {"buttons": [{"title": c, "payload": c} for c in choices]}
        await self.append_events(conversation_id=conversation_id, events=[line])

    async def ask_rating(self, *, conversation_id: str, closing_text: str, agent: str,
                         question: str, choices: tuple[dict[str, str], ...]) -> None:
        """Say the closing line and the satisfaction question; the bot still waits."""
        await self.append_events(conversation_id=conversation_id, events=[
            agent_line(closing_text, agent),
            {**agent_line(question, agent), "data": {"buttons": list(choices)}},
        ])

    async def hand_back(self, *, conversation_id: str, text: Optional[str] = None) -> None:
        """Resume the bot for this conversation, clear the reason, say ``text`` if any.

        The paused conversation never logged ``action_listen`` after the handoff
        action; appending it makes the next customer message look like any other
        turn to the policies, so rules (greet → utter_greet …) apply again.
        """
        said = [agent_line(text, None)] if text else []
        await self.append_events(conversation_id=conversation_id, events=[
            {"event": "resume", "timestamp": time.time()},
            {"event": "slot", "name": "handoff_reason", "value": None, "timestamp": time.time()},
            *said,
            {"event": "action", "name": "action_listen", "timestamp": time.time()},
        ])

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _conversation(self, conversation_id: str) -> str:
        return f"{self.base_url}/conversations/{quote(conversation_id, safe='')}"

    async def _post(self, url: str, body: Any, params: dict[str, str],
                    headers: Optional[dict[str, str]] = None) -> Any:
        """POST ``body``; the parsed JSON answer, or the :class:`RasaError` that says why not.

        The session is made on first use, inside the running event loop, and again in
        another loop (aiohttp ties a session to the loop it was made in).
        """
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop:
            self._session, self._loop = aiohttp.ClientSession(timeout=self._timeout), loop
        try:
            async with self._session.post(url, json=body, params=params,
                                          headers=headers) as response:
                answer = await response.text()
                status = response.status
        except asyncio.TimeoutError as error:
            raise RasaTimeout(f"Rasa did not answer within {self._timeout.total}s") from error
        except (aiohttp.ClientConnectionError, OSError) as error:
            raise RasaUnreachable(f"{type(error).__name__}: {error}") from error
        except aiohttp.ClientError as error:
            raise RasaBadReply(f"{type(error).__name__}: {error}") from error
        if status in NO_REPLICA_STATUSES:
            raise RasaUnreachable(f"HTTP {status} from in front of Rasa: {answer[:200]}")
        if status != 200:
            if OFFLINE_REASON in answer:
                raise CustomerNotConnected(status, answer)
            raise RasaRefused(status, answer)
        try:
            return json.loads(answer) if answer else None
        except ValueError as error:
            raise RasaBadReply(f"not JSON: {answer[:200]}") from error


def agent_line(text: str, agent: Optional[str]) -> Event:
    """A bot utterance said for the desk, marked with who said it."""
    return {"event": "bot", "text": text, "timestamp": time.time(),
            "metadata": {"source": "desk", "agent": agent}}
