"""Talk to the customer through Rasa's HTTP API, so the tracker keeps the whole story.

Appending ``BotUttered`` with ``execute_side_effects`` and
``output_channel=latest`` makes Rasa send the text on the channel the customer
last wrote from (SMS, WhatsApp, web chat) and log it in the tracker. A web chat
customer with no socket open on any replica gets nothing, and the call fails as
"customer offline" (careline.webchat.rooms) rather than counting as delivered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import quote

import aiohttp

from careline.settings import Settings
from careline.webchat.rooms import OFFLINE_REASON


class DeliveryFailed(RuntimeError):
    """Rasa did not accept the events; the message did not reach the customer."""


class CustomerNotConnected(DeliveryFailed):
    """A web chat customer with no socket open anywhere: nothing was sent or recorded."""

    def __init__(self) -> None:
        super().__init__(OFFLINE_REASON)


@dataclass(frozen=True)
class RasaClient:
    base_url: str
    token: str
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "RasaClient":
        return cls(base_url=settings.rasa_url.rstrip("/"), token=settings.secret("rasa_token"))

    async def send_agent_message(self, *, conversation_id: str, text: str,
                                 agent: Optional[str], choices: tuple[str, ...] = ()) -> None:
        """A line from the desk; ``choices`` become buttons whose payload is their title."""
        line = _bot(text, agent)
        if choices:
            line["data"] = {"buttons": [{"title": c, "payload": c} for c in choices]}
        await self._append(conversation_id, [line])

    async def ask_rating(self, *, conversation_id: str, closing_text: str, agent: str,
                         question: str, choices: tuple[dict[str, str], ...]) -> None:
        """Say the closing line and the satisfaction question; the bot still waits."""
        await self._append(conversation_id, [
            _bot(closing_text, agent),
            {**_bot(question, agent), "data": {"buttons": list(choices)}},
        ])

    async def hand_back(self, *, conversation_id: str, text: Optional[str] = None) -> None:
        """Resume the bot for this conversation, clear the reason, say ``text`` if any.

        The paused conversation never logged ``action_listen`` after the handoff
        action; appending it makes the next customer message look like any other
        turn to the policies, so rules (greet → utter_greet …) apply again.
        """
        said = [_bot(text, None)] if text else []
        await self._append(conversation_id, [
            {"event": "resume", "timestamp": time.time()},
            {"event": "slot", "name": "handoff_reason", "value": None, "timestamp": time.time()},
            *said,
            {"event": "action", "name": "action_listen", "timestamp": time.time()},
        ])

    async def trigger(self, *, conversation_id: str, intent: str,
                      entities: dict[str, Any]) -> None:
        """Have the bot answer what the customer said while it was paused (same channel)."""
        url = f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent"
        await self._post(url, {"name": intent, "entities": entities},
                         {"output_channel": "latest", "token": self.token})

    async def _append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        url = f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/tracker/events"
        await self._post(url, events, {"output_channel": "latest", "execute_side_effects": "true",
                                       "token": self.token})

    async def _post(self, url: str, body: Any, params: dict[str, str]) -> None:
        try:
            async with aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=self.timeout)) as http:
                async with http.post(url, json=body, params=params) as response:
                    if response.status != 200:
                        answer = await response.text()
                        if OFFLINE_REASON in answer:
                            raise CustomerNotConnected()
                        raise DeliveryFailed(
                            f"Rasa answered HTTP {response.status}: {answer[:200]}")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise DeliveryFailed(f"Rasa unreachable: {exc.__class__.__name__}: {exc}") from exc


def _bot(text: str, agent: Optional[str]) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": time.time(),
            "metadata": {"source": "desk", "agent": agent}}
