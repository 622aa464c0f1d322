"""PINs and one-time codes a customer types, masked wherever a conversation is kept.

The validation action needs the raw answer during its turn, so nothing is masked on
the way in. What outlives the turn is masked here: the tracker store's save (which
also feeds the event broker, and so the desk's live transcript and insight) and the
handoff transcript, which reads the turn still in memory.

A turn answers a secret when the bot had asked for one (``requested_slot`` is
``security_code`` or ``otp_code``). In such a turn every run of four or more digits
is masked in the message, its parse data and entities, and in the slot values the
turn sets (the form's ``from_text`` mapping first copies the raw answer into the slot,
and an account-number entity found in a code keeps it there too). A ``pin`` entity is
masked in any turn. Pure, on Rasa's JSON form of events, so every reader shares it.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional

SECRET_SLOTS = frozenset({"security_code", "otp_code"})
SECRET_ENTITIES = frozenset({"pin"})
MASK = "••••"
_DIGIT_RUN = re.compile(r"\d(?:[ -]?\d){3,}")

RasaEvent = Mapping[str, Any]


def mask_digits(text: str) -> str:
    """Every run of four or more digits (spaces or dashes between them allowed) masked."""
    return _DIGIT_RUN.sub(MASK, text)


def masked_events(events: Iterable[RasaEvent], *,
                  requested_slot: Optional[str] = None) -> list[RasaEvent]:
    """``events`` (in order) with secret answers masked; ``requested_slot`` is the slot the
    bot was asking for before the first of them. An event that needed masking is a new
    dict, the others are returned as given."""
    requested = requested_slot
    secret_turn = False
    masked: list[RasaEvent] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            secret_turn = requested in SECRET_SLOTS
            event = _masked_user(event, secret_turn=secret_turn)
        elif kind == "slot":
            value = event.get("value")
            if event.get("name") == "requested_slot":
                requested = value
            elif secret_turn and isinstance(value, str):
                event = {**event, "value": mask_digits(value)}
        elif kind == "restart":
            requested, secret_turn = None, False
        masked.append(event)
    return masked


def _masked_user(event: RasaEvent, *, secret_turn: bool) -> RasaEvent:
    parse = event.get("parse_data") or {}
    entities = list(event.get("entities") or parse.get("entities") or ())
    secrets = [str(entity.get("value")) for entity in entities
               if entity.get("entity") in SECRET_ENTITIES and entity.get("value")]
    if not secret_turn and not secrets:
        return event

    def clean(text: Any) -> Any:
        if not isinstance(text, str):
            return text
        for secret in secrets:
            text = text.replace(secret, MASK)
        return mask_digits(text) if secret_turn else text

    def clean_entity(entity: Mapping[str, Any]) -> dict[str, Any]:
        cleaned = dict(entity)
        if (secret_turn or entity.get("entity") in SECRET_ENTITIES) and \
                cleaned.get("value") is not None:
            cleaned["value"] = MASK
        if "text" in cleaned:
            cleaned["text"] = clean(cleaned["text"])
        return cleaned

    masked = {**event, "text": clean(event.get("text"))}
    if "entities" in event:
        masked["entities"] = [clean_entity(e) for e in event.get("entities") or ()]
    if parse:
        masked["parse_data"] = {**parse, "text": clean(parse.get("text")),
                                "entities": [clean_entity(e) for e in parse.get("entities") or ()]}
    return masked
