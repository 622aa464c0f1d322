"""One id per customer turn, on every log line the turn causes, in every process.

A turn's id is its message id: Twilio's ``MessageSid`` for SMS and WhatsApp (so an
operator can search Twilio's console and Careline's logs with the same string), Rasa's
own message id for web chat and REST. It is set where the turn starts (the webhook, the
gateway's relayed turn, Rasa's Agent), travels with the relayed turn as ``X-Request-ID``,
and reaches the action server inside the tracker (its latest message's ``message_id``),
so the gateway's, the replica's and the action server's lines of one turn share it.
The log formatters (careline/observability/logs.py) read it from a context variable,
which asyncio copies into the tasks a turn starts (its replies, its deliveries).
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from typing import Any, Mapping, Optional

#: The header a caller may send its own id in, and the gateway sends the turn's.
HEADER = "X-Request-ID"
#: What an id may look like when it comes from outside: no spaces, quotes or newlines
#: to forge a log line with, and short.
_USABLE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

_current: ContextVar[Optional[str]] = ContextVar("careline_correlation_id", default=None)


def current() -> Optional[str]:
    """The id of the turn (or request) this code runs for, if any."""
    return _current.get()


def usable(value: Optional[str]) -> Optional[str]:
    """``value`` if it is safe to log as an id, else None."""
    return value if value is not None and _USABLE.match(value) else None


def use(value: Optional[str] = None) -> str:
    """Make ``value`` (or, unusable or missing, a fresh id) the current id; returns it."""
    chosen = usable(value) or uuid.uuid4().hex
    _current.set(chosen)
    return chosen


def stamp_log_records() -> None:
    """Give every log record the id current where it is made (idempotent): a handler that
    formats later or elsewhere (a queue, a test's capture) still names the right turn."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "careline_correlation", False):
        return

    def stamped(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.correlation_id = _current.get()
        return record

    stamped.careline_correlation = True  # type: ignore[attr-defined]
    # what the wrapped factory already does stays known (redact.install_log_redaction)
    redacting = getattr(make_record, "careline_redacting", False)
    stamped.careline_redacting = redacting  # type: ignore[attr-defined]
    logging.setLogRecordFactory(stamped)


def from_action_call(payload: Any) -> Optional[str]:
    """The turn id in a call from Rasa to the action server: the latest message's id."""
    if not isinstance(payload, Mapping):
        return None
    tracker = payload.get("tracker")
    latest = tracker.get("latest_message") if isinstance(tracker, Mapping) else None
    message_id = latest.get("message_id") if isinstance(latest, Mapping) else None
    return usable(message_id) if isinstance(message_id, str) else None
