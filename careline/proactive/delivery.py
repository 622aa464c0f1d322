"""How a planned notice reaches the customer and their Rasa conversation.

Two small pieces keep the service testable on its own:

- :class:`NoticeChannel`, the interface the service sends through (the
  production one is :class:`careline.proactive.routing.TwilioAndRasaChannel`:
  SMS/WhatsApp through ``careline.channels.outbound``, web chat through Rasa).
- :class:`RasaConversations` puts a notice into the customer's tracker with
  Rasa's trigger-intent API, so a reply ("is it really fixed?") is answered
  in context. For SMS/WhatsApp, already sent by Twilio, it names the
  ``collector`` output channel, which records the bot's utterance without
  sending it again; for web chat it names ``webchat``, which delivers it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Optional, Protocol, Sequence
from urllib.parse import quote

import aiohttp

from careline.proactive.schemas import DeliveryReceipt, PlannedNotice
from careline.webchat.rooms import OFFLINE_REASON

#: The external intent every notice triggers; domain/proactive.yml declares it.
NOTICE_INTENT = "EXTERNAL_outage_notice"
#: Output channel name that matches no input channel: Rasa collects, never re-sends.
RECORD_ONLY_CHANNEL = "collector"
STATUS_BY_ACTION = {"open": "opened", "update": "updated", "resolve": "resolved"}


class DeliveryError(Exception):
    """The channel refused the notice; nothing reached the customer, so a retry may send it.

    ``transient``: the reason may pass (Twilio or Rasa unreachable or overloaded), so the
    notice is sent again later (careline/proactive/retries.py).
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class NoticeChannel(Protocol):
    async def prepare(self, notices: Sequence[PlannedNotice]) -> None:
        """Look up in bulk what delivering this batch needs (called before its deliveries)."""

    async def deliver(self, notice: PlannedNotice) -> DeliveryReceipt:
        """Send one notice; raise :class:`DeliveryError` if it was not accepted."""

    async def flush(self) -> None:
        """Store what the batch's deliveries left to record (called after each batch)."""

    async def close(self) -> None:
        """Release connections."""


def notice_entities(notice: PlannedNotice) -> dict[str, str]:
    """The entities the external intent carries; they fill the ``outage_*`` slots."""
    return {"outage_incident": notice.incident_id,
            "outage_status": STATUS_BY_ACTION[notice.action.value],
            "outage_area": notice.area,
            "outage_notice": notice.text}


class RasaConversations:
    """Rasa's HTTP API, authenticated with the Rasa token: trigger the notice intent."""

    def __init__(self, *, base_url: str, token: str, timeout: float = 10.0) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    async def trigger_notice(self, *, conversation_id: str, output_channel: str,
                             entities: dict[str, str]) -> list[dict]:
        """Trigger :data:`NOTICE_INTENT`; returns what Rasa collected (record-only channel)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        url = f"{self._base}/conversations/{quote(conversation_id, safe='')}/trigger_intent"
        params = {"output_channel": output_channel, "token": self._token}
        try:
            async with self._session.post(url, params=params, json={
                    "name": NOTICE_INTENT, "entities": entities}) as response:
                body = await response.text()
                if response.status != 200:
                    # a web chat customer who left since the plan: nothing was sent
                    raise DeliveryError(OFFLINE_REASON if OFFLINE_REASON in body
                                        else f"Rasa answered {response.status}: {body[:200]}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise DeliveryError(f"Rasa unreachable: {type(error).__name__}",
                                transient=True) from error
        return list(json.loads(body).get("messages", []))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

