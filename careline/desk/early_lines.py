"""Lines that reach the desk a moment before their ticket does.

The handoff's own message ("a person will answer…") and anything the customer
sends straight after it travel through the event broker, while the ticket travels
through the outbox worker (about half a second). A line that finds no ticket yet
is held here briefly and added when the conversation's ticket arrives, so neither
the bot's message nor an early photo is lost. Held in the desk process, which both
consumes the broker and receives the handoffs.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from careline.desk.events import BrokerMessage

HOLD = timedelta(minutes=2)
MAX_HELD = 2_000


class EarlyLines:
    def __init__(self) -> None:
        self._held: OrderedDict[str, BrokerMessage] = OrderedDict()  # by source key, oldest first

    def hold(self, message: BrokerMessage, *, now: datetime) -> None:
        self._forget_before(now - HOLD)
        self._held[message.source_key] = message
        while len(self._held) > MAX_HELD:
            self._held.popitem(last=False)

    def take(self, conversation_id: str, *, now: datetime) -> list[BrokerMessage]:
        """The conversation's held lines, oldest first, no longer held."""
        self._forget_before(now - HOLD)
        taken = [m for m in self._held.values() if m.conversation_id == conversation_id]
        for message in taken:
            del self._held[message.source_key]
        return taken

    def _forget_before(self, cutoff: datetime) -> None:
        """Lines arrive in about the order they were said: drop from the oldest end."""
        while self._held and next(iter(self._held.values())).at < cutoff:
            self._held.popitem(last=False)
