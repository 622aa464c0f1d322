"""What ``careline parked`` shows of a parked message, wherever it was parked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional


@dataclass(frozen=True)
class ParkedItem:
    consumer: str  # desk, insight, handoff-outbox …
    place: str  # where it waits: a RabbitMQ queue or a table
    key: str  # which message: a conversation, an outbox key, an events row
    tries: int
    error: str
    parked_at: Optional[datetime] = None


@dataclass(frozen=True)
class TryOutcome:
    tries: int
    parked: bool


@dataclass(frozen=True)
class Replayed:
    """A parked message handed back to its consumer (``careline parked --replay``)."""

    consumer: str
    place: str  # where it was parked
    key: str
    to: str  # where its consumer takes it again: a RabbitMQ queue, an outbox status


@dataclass(frozen=True)
class Left:
    """A parked message a replay leaves where it is, and why."""

    consumer: str
    place: str
    key: str
    why: str
