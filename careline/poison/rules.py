"""Which failures count as a try against a message, and what parking one records."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from careline.observability.metrics import POISON_PARKED

logger = logging.getLogger(__name__)
#: Failures that say a database or a peer is away, not that the message is bad: the message
#: is retried without counting a try, however long the outage lasts. (A bad message shows as
#: IntegrityError, DataError, TypeError, ValueError, KeyError …, see
#: careline.insight.service.BAD_EVENT_ERRORS.) Anything else counts, so nothing unforeseen
#: is retried for ever.
OUTAGE_ERRORS = (OperationalError, InterfaceError, DisconnectionError, ConnectionError,
                 TimeoutError, asyncio.TimeoutError)


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` is a database or peer that is away (retry), not a bad message."""
    return isinstance(error, OUTAGE_ERRORS)


def describe(error: BaseException) -> str:
    """The error as a parked item keeps it: type and message, bounded."""
    return f"{type(error).__name__}: {error}"[:500]


def parked(*, consumer: str, key: str, tries: int, error: str) -> None:
    """Count and log one parked message (the alert is on careline_poison_parked_total)."""
    POISON_PARKED.labels(consumer).inc()
    logger.error("poison message parked by %s after %s tries: %s (%s)",
                 consumer, tries, key, error)
