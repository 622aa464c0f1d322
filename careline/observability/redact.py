"""Mask phone numbers, card numbers and account numbers before anything is logged or reported,
and in logs PIN- or code-like numbers too."""

from __future__ import annotations

import logging
import re
from typing import Any

# A run of 12–19 digits (optionally grouped) is treated as a card number.
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
# An international number (+ and 8–15 digits) or a national one (0 and 9–11 digits).
_PHONE = re.compile(r"(?<![\w+])(\+\d[\d ()-]{6,18}\d|0\d(?:[ -]?\d){7,9})(?![\w])")
_ENCODED_PHONE = re.compile(r"%2[Bb](\d{8,15})(?!\d)")
# A PIN (four digits) or a one-time code (six) standing alone: not part of a port, time,
# date, amount, id or masked number. Five-digit numbers (Twilio's error codes) stay.
_SECRET_CODE = re.compile(r"(?<![\w.:/=+•£$€-])(?:\d{4}|\d{6})(?![\w:/-]|\.\d)")
# A credential by what introduces it: an Authorization header's scheme, or a secret's name
# in a query string, a form or a settings dump (Rasa's HTTP API takes ``?token=``).
_CREDENTIAL = re.compile(
    r"(?i)(\b(?:bearer|basic)\s+|\b(?:\w+_)?(?:token|api_key|secret|password)"
    r"[\"']?\s*[=:]\s*[\"']?)(?!\[redacted\])[^\s&\"',;]+")


def mask_phone(number: str) -> str:
    """Keep the country prefix and the last two digits: ``+447700900123`` → ``+44•••••••23``."""
    digits = [c for c in number if c.isdigit()]
    if len(digits) < 6:
        return "•" * len(number)
    prefix = "+" + "".join(digits[:2]) if "+" in number else ""
    hidden = len(digits) - len(prefix.lstrip("+")) - 2
    return f"{prefix}{'•' * hidden}{''.join(digits[-2:])}"


def mask_account(number: str) -> str:
    """Keep the letters in front and the last two digits: ``CL10000102`` → ``CL••••••02``."""
    letters = re.match(r"[A-Za-z]*", number).end()  # type: ignore[union-attr]
    hidden = len(number) - letters - 2
    if hidden < 2:
        return "•" * len(number)
    return f"{number[:letters]}{'•' * hidden}{number[-2:]}"


def redact(text: str) -> str:
    """Mask every card number and phone number found in free text."""
    text = _CARD.sub(lambda m: "[card •••• " + re.sub(r"\D", "", m.group())[-4:] + "]", text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1)), text)


def redact_log(text: str) -> str:
    """What a log line may say: :func:`redact`, a number URL-encoded in an access log's query
    (``%2B447700900123``) masked too, credentials after ``Bearer`` or a secret's name
    (``token=…``, ``password: …``) replaced, and every PIN- or code-like number (four or six
    digits) standing alone masked (ports, times, dates and amounts are not alone)."""
    text = _ENCODED_PHONE.sub(lambda m: mask_phone("+" + m.group(1)), redact(text))
    text = _CREDENTIAL.sub(lambda m: m.group(1) + "[redacted]", text)
    return _SECRET_CODE.sub("••••", text)


def install_log_redaction() -> None:
    """Redact every log record this process makes, whatever handler prints it; idempotent.

    Called first by each Careline process's entry point (the ``careline`` command, Rasa,
    the action server, the Twilio gateway, the stand-in). A record factory, not a filter:
    a filter on a handler misses the handlers Rasa, Sanic and coloredlogs add later, and
    one on the root logger never sees records that propagate from other loggers.
    """
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "careline_redacting", False):
        return

    def redacting(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging reports it when the record is printed
            return record
        cleaned = redact_log(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    redacting.careline_redacting = True  # type: ignore[attr-defined]
    # what the wrapped factory already does stays known (correlation.stamp_log_records)
    stamping = getattr(make_record, "careline_correlation", False)
    redacting.careline_correlation = stamping  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting)
