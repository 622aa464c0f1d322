"""Mask phone numbers, card numbers and account numbers before anything is logged or reported."""

from __future__ import annotations

import logging
import re

# A run of 12–19 digits (optionally grouped) is treated as a card number.
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
# An international number (+ and 8–15 digits) or a national one (0 and 9–11 digits).
_PHONE = re.compile(r"(?<![\w+])(\+\d[\d ()-]{6,18}\d|0\d(?:[ -]?\d){7,9})(?![\w])")


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


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
