"""Turning bot responses into text a phone shows: limits, numbered options, choices."""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional, Sequence

from careline.channels.schemas import Choice

#: Twilio's Messages API refuses a ``Body`` over 1,600 characters (error 21617) on
#: every channel, WhatsApp included, although WhatsApp itself allows 4,096.
TWILIO_BODY_LIMIT = 1600
CHANNEL_LIMITS = {"sms": TWILIO_BODY_LIMIT, "whatsapp": TWILIO_BODY_LIMIT}

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n\s*\n")
_WORD_GAP = re.compile(r"\s+")


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` characters, between sentences.

    A sentence longer than the limit is split between words, and a word
    longer than the limit (a URL) is cut.
    """
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    return _packed(_pieces(text, limit), limit)


def _pieces(text: str, limit: int) -> list[str]:
    """Sentences, with over-long ones broken into word runs within ``limit``."""
    pieces: list[str] = []
    for sentence in filter(None, (s.strip() for s in _SENTENCE_END.split(text))):
        if len(sentence) <= limit:
            pieces.append(sentence)
        else:
            pieces += _packed((word[start:start + limit] for word in _WORD_GAP.split(sentence)
                               for start in range(0, len(word), limit)), limit)
    return pieces


def _packed(pieces: Iterable[str], limit: int) -> list[str]:
    """``pieces`` (each within ``limit``) in order, as many to a part as fit, space-joined:
    the one packing rule for sentences into parts and for words into a long sentence's runs."""
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current} {piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts


def numbered_options(text: str, choices: Sequence[Choice]) -> str:
    """Buttons as a numbered list a customer can answer with a digit."""
    lines = [text.strip()] if text and text.strip() else []
    lines += [f"{number}. {choice.title}" for number, choice in enumerate(choices, 1)]
    lines.append("Reply with the number of your choice.")
    return "\n".join(lines)


def resolve_choice(text: str, choices: Sequence[Choice]) -> Optional[str]:
    """The payload a reply picks: its number ("2") or its exact title, else None."""
    answer = text.strip().rstrip(".)").strip()
    if answer.isdigit() and 1 <= int(answer) <= len(choices):
        return choices[int(answer) - 1].payload
    for choice in choices:
        if answer.casefold() == choice.title.strip().casefold():
            return choice.payload
    return None


def choices_from_buttons(buttons: Sequence[dict[str, Any]]) -> tuple[Choice, ...]:
    return tuple(Choice(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
                 for b in buttons)
