"""Rasa's event broker as a feed of new customer messages for open tickets.

While a conversation is paused, Rasa still parses and logs what the customer
writes and publishes it to the event broker; this is how those messages reach
the agent. Two sources behind one small interface: the SQL broker's
``events`` table (embedded default) and a RabbitMQ queue of the desk's own bound
to Rasa's fanout exchange (production). Both read the stream with insight's
reader (careline.insight.stream) and turn each raw event into a transcript line.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Mapping, Optional, Protocol

from careline.db.session import run_blocking
from careline.handoff.schemas import SharedLocation, SharedMedia
from careline.handoff.transcript import customer_line
from careline.insight.stream import (RASA_EXCHANGE, Failures, PikaEventConsumer, RawEvent,
                                     SqlEventReader)
from careline.poison.ledger import PoisonLedger
from careline.poison.rules import is_outage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BrokerMessage:
    conversation_id: str
    speaker: str  # customer or bot
    text: str
    at: datetime
    source_key: str
    media: tuple[SharedMedia, ...] = ()
    location: Optional[SharedLocation] = None
    raw_text: str = ""  # exactly what the customer sent (a satisfaction score is read from it)
    intent: Optional[str] = None  # what Rasa understood, to hand the message to the bot
    entities: tuple[tuple[str, Any], ...] = ()


Handler = Callable[[BrokerMessage], Awaitable[None]]


def message_of(event: RawEvent) -> Optional[BrokerMessage]:
    """:func:`to_message` for a raw event of the stream (any JSON may arrive)."""
    return to_message(event.sender_id, event.data) if isinstance(event.data, dict) else None


class EventSource(Protocol):
    async def run(self, handle: Handler) -> None:
        """Feed every new message to ``handle`` until cancelled."""


def to_message(sender_id: str, event: Mapping[str, Any]) -> Optional[BrokerMessage]:
    """A transcript line from a broker event, or ``None`` for events the desk ignores.

    Lines the desk itself sent (metadata source "desk") are already on the
    ticket, so they are skipped. A customer line reads as the transcript of the
    context package does (:func:`careline.handoff.transcript.customer_line`).
    """
    kind = event.get("event")
    text_value = event.get("text")
    if kind not in ("user", "bot") or not text_value:
        return None
    if kind == "bot" and (event.get("metadata") or {}).get("source") == "desk":
        return None
    timestamp = float(event.get("timestamp") or 0)
    at = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    source_key = f"{sender_id}:{kind}:{timestamp:.6f}"[:255]
    if kind == "bot":
        return BrokerMessage(conversation_id=sender_id, speaker="bot", text=text_value, at=at,
                             source_key=source_key)
    # a pressed button reads as words, a wordless photo as the photo (not /out_of_scope)
    line = customer_line(event, {})
    parse = event.get("parse_data") or {}
    return BrokerMessage(
        conversation_id=sender_id, speaker="customer", text=line.text, at=at,
        source_key=source_key, media=line.media, location=line.location, raw_text=text_value,
        intent=(parse.get("intent") or {}).get("name"),
        entities=tuple((str(e.get("entity")), e.get("value"))
                       for e in parse.get("entities") or () if e.get("entity")))


class SqlEventSource:
    """Polls the SQL broker's ``events`` table, remembering the last id it handled.

    A row ``handle`` fails on stops the pass (the cursor is saved up to the row before it,
    and the desk's loop runs the source again from there); with a ``ledger`` each such
    failure counts a try against the row, and after ``max_tries`` the row is parked and
    passed over. A database that is away counts no try (careline.poison.rules)."""

    def __init__(self, url: str, *, load_cursor: Callable[[], Awaitable[int]],
                 save_cursor: Callable[[int], Awaitable[None]], interval: float = 0.3,
                 ledger: Optional[PoisonLedger] = None, max_tries: int = 5) -> None:
        self.reader = SqlEventReader(url)
        self.load_cursor = load_cursor
        self.save_cursor = save_cursor
        self.interval = interval
        self.ledger = ledger
        self.max_tries = max_tries

    async def run(self, handle: Handler) -> None:
        position = saved = await self.load_cursor()
        while True:
            # none while Rasa has not created the table yet
            events = await asyncio.to_thread(self.reader.read_after, position, limit=500)
            for event in events:
                try:
                    message = message_of(event)
                    if message is not None:
                        await handle(message)
                except Exception as error:
                    if position != saved:
                        await self.save_cursor(position)
                        saved = position
                    if not await self._parked(event.position, error):
                        raise
                position = event.position
            if position != saved:
                await self.save_cursor(position)
                saved = position
            await asyncio.sleep(self.interval)

    async def _parked(self, row_id: int, error: Exception) -> bool:
        """Count a try against the row; whether it is now parked (and to be passed over)."""
        if self.ledger is None or is_outage(error):
            return False
        outcome = await run_blocking(functools.partial(
            self.ledger.failed, consumer="desk", key=f"events row {row_id}", error=error,
            max_tries=self.max_tries))
        return outcome.parked


class PikaEventSource:
    """Consumes the desk's own durable queue, bound to Rasa's fanout exchange.

    A message the desk fails on is tried ``max_tries`` times, then parked
    (careline.poison.rabbit), so one bad event never holds up the lines behind it."""

    def __init__(self, url: str, *, queue: str, exchange: str = RASA_EXCHANGE,
                 max_tries: int = 5, linger: float = 0.2) -> None:
        self.queue_name = queue
        self.exchange_name = exchange
        self.consumer = PikaEventConsumer(url, queue=queue, exchange=exchange, linger=linger,
                                          max_tries=max_tries, consumer="desk")

    async def run(self, handle: Handler) -> None:
        async def each_in_order(events: list[RawEvent]) -> Failures:
            failures: list[tuple[int, BaseException]] = []
            for index, event in enumerate(events):
                try:
                    message = message_of(event)
                    if message is not None:
                        await handle(message)
                except Exception as error:  # noqa: BLE001 (the guard tells poison apart)
                    logger.exception("desk: a broker event failed")
                    failures.append((index, error))
            return failures

        await self.consumer.run(each_in_order)
