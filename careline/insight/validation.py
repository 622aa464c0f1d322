"""Which broker events insight may fold: the checks that keep a crafted message out.

The event stream carries what customers typed and what callers of a webhook put in
metadata, so an event is data, not trust. Folded blindly, one event with a timestamp
far outside any calendar, a 300-character intent name, a channel of 40 characters or
a customer id past a 32-bit integer raised in the middle of a batch (PostgreSQL
refuses the row, ``fromtimestamp`` overflows) and every later report stopped at it;
one with a script tag as its intent or channel reached the report's tables. Each
event is checked here before it is folded: a rejected one is logged and skipped, and
the batch goes on. Pure, so every rule is tested on its own.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping, Optional

from careline.handoff.reasons import HandoffReason

#: Rasa's event types insight reads; any other type is skipped without a word.
FOLDED_KINDS = frozenset({"session_started", "user", "slot", "action", "bot"})
#: Careline's input channels (what a contact's channel can be).
CHANNELS = frozenset({"sms", "whatsapp", "webchat", "rest", "cmdline"})
HANDOFF_REASONS = frozenset(reason.value for reason in HandoffReason)
MAX_SENDER_ID = 255  # insight_contacts.sender_id
MAX_CUSTOMER_ID = 2 ** 31 - 1  # an INTEGER column
#: 2001-09-09 to 2286-11-20: every instant a conversation of ours can have.
EARLIEST, LATEST = 1e9, 1e10
#: An intent name as Rasa's domain spells them (insight_messages.intent: 64 characters).
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def rejection(sender_id: Any, data: Any) -> Optional[str]:
    """Why this event must not be folded (for the log line), or None when it may be."""
    if not isinstance(data, Mapping):
        return "not a JSON object"
    kind = data.get("event")
    if kind not in FOLDED_KINDS:
        return None
    if not isinstance(sender_id, str) or not 0 < len(sender_id) <= MAX_SENDER_ID:
        return "bad sender id"
    timestamp = data.get("timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)) or \
            not math.isfinite(timestamp) or not EARLIEST <= timestamp <= LATEST:
        return "bad timestamp"
    if not isinstance(data.get("metadata") or {}, Mapping):
        return "bad metadata"
    if kind == "user":
        return _user_rejection(data)
    if kind == "slot":
        return _slot_rejection(data.get("name"), data.get("value"))
    return None


def customer_id(value: Any) -> Optional[int]:
    """A customer id as Careline's slots hold it (a positive 32-bit int, or its digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_CUSTOMER_ID:
        return value
    return None


def _user_rejection(data: Mapping[str, Any]) -> Optional[str]:
    parse = data.get("parse_data") or {}
    intent = (parse.get("intent") or {}) if isinstance(parse, Mapping) else None
    if not isinstance(intent, Mapping):
        return "bad parse data"
    if intent.get("name") is not None and not _is_name(intent.get("name")):
        return "bad intent name"
    for channel in ((data.get("metadata") or {}).get("channel"), data.get("input_channel")):
        if channel is not None and channel not in CHANNELS:
            return "unknown channel"
    if data.get("text") is not None and not isinstance(data.get("text"), str):
        return "bad text"
    return None


def _slot_rejection(name: Any, value: Any) -> Optional[str]:
    if name == "customer_id" and value not in (None, "") and customer_id(value) is None:
        return "bad customer id"
    if name == "handoff_reason" and value not in (None, "") and value not in HANDOFF_REASONS:
        return "unknown handoff reason"
    return None


def _is_name(value: Any) -> bool:
    return isinstance(value, str) and _NAME.fullmatch(value) is not None
