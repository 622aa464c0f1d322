"""Read a Rasa tracker's events into the transcript and per-turn understanding.

Events arrive as Rasa's own JSON dicts (what ``tracker.events`` holds in the
action server and what the event broker publishes); this module is the one
place that knows their shape. The action server's events include the turn still
in memory, whose PIN or code is not masked yet: the transcript masks it
(:mod:`careline.identity.secret_answers`), so no package or desk line carries one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Literal, Mapping, Optional

from careline.handoff.intent_labels import customer_words, offered_buttons
from careline.handoff.schemas import (
    EntityValue, SharedLocation, SharedMedia, TranscriptEntry, TurnUnderstanding,
)
from careline.identity.secret_answers import masked_events

RasaEvent = Mapping[str, Any]
MAX_TRANSCRIPT_ENTRIES = 300
_IGNORED_ACTIONS = frozenset({"action_listen", "action_session_start", "action_unlikely_intent"})


@dataclass(frozen=True)
class ConversationRecord:
    transcript: tuple[TranscriptEntry, ...]
    understanding: tuple[TurnUnderstanding, ...]
    started_at: Optional[datetime]
    customer_messages: tuple[str, ...]


def event_time(event: RasaEvent) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)


def read_conversation(events: Iterable[RasaEvent]) -> ConversationRecord:
    """Transcript (customer and bot lines) and what the bot understood each turn."""
    transcript: list[TranscriptEntry] = []
    turns: list[dict[str, Any]] = []
    slots: dict[str, Any] = {}
    started_at: Optional[datetime] = None
    offered: dict[str, str] = {}
    for event in masked_events(events):
        kind = event.get("event")
        if started_at is None and kind in ("session_started", "user", "action"):
            started_at = event_time(event)
        if kind == "user":
            _close_turn(turns, slots)
            line = customer_line(event, offered)
            transcript.append(line)
            turns.append(_open_turn(event, line.text))
        elif kind == "bot" and event.get("text"):
            offered = offered_buttons(event)
            speaker: Literal["agent", "bot"] = (
                "agent" if (event.get("metadata") or {}).get("source") == "desk" else "bot")
            transcript.append(TranscriptEntry(at=event_time(event), speaker=speaker,
                                              text=event["text"]))
        elif kind == "slot":
            slots[event.get("name", "")] = event.get("value")
        elif kind == "reset_slots":
            slots.clear()
        elif kind == "action" and turns and event.get("name") not in _IGNORED_ACTIONS:
            turns[-1]["actions"].append(event.get("name"))
    _close_turn(turns, slots)
    customer_messages = tuple(t.text for t in transcript if t.speaker == "customer" and t.text)
    return ConversationRecord(
        transcript=tuple(transcript[-MAX_TRANSCRIPT_ENTRIES:]),
        understanding=tuple(TurnUnderstanding(**t) for t in turns[-MAX_TRANSCRIPT_ENTRIES:]),
        started_at=started_at,
        customer_messages=customer_messages,
    )


def customer_line(event: RasaEvent, offered: dict[str, str]) -> TranscriptEntry:
    """The customer's words (a button's title, not its payload) and what they shared."""
    metadata = event.get("metadata") or {}
    media = tuple(SharedMedia(url=str(m["url"]), content_type=m.get("content_type"))
                  for m in metadata.get("media") or () if m.get("url"))
    place = metadata.get("location")
    location = (SharedLocation.parse_obj({key: place.get(key) for key in
                                          ("latitude", "longitude", "label", "address")})
                if isinstance(place, dict) and place.get("latitude") is not None else None)
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    text = customer_words(event.get("text") or "", intent=intent, offered=offered,
                          has_media=bool(media or location))
    return TranscriptEntry(at=event_time(event), speaker="customer", text=text, media=media,
                           location=location)


def consecutive_fallbacks(events: Iterable[RasaEvent]) -> int:
    """How many of the latest customer messages in a row the bot did not understand."""
    intents = [((e.get("parse_data") or {}).get("intent") or {}).get("name")
               for e in events if e.get("event") == "user"]
    count = 0
    for intent in reversed(intents):
        if intent != "nlu_fallback":
            break
        count += 1
    return count


def latest_user_event(events: Iterable[RasaEvent]) -> Optional[RasaEvent]:
    latest = None
    for event in events:
        if event.get("event") == "user":
            latest = event
    return latest


def _open_turn(event: RasaEvent, text: str) -> dict[str, Any]:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    entities = tuple(
        EntityValue(entity=e.get("entity", ""), value=e.get("value"),
                    confidence=e.get("confidence_entity"))
        for e in parse.get("entities") or ()
    )
    return {"at": event_time(event), "text": text, "intent": intent.get("name"),
            "confidence": intent.get("confidence"), "entities": entities, "slots": {},
            "actions": []}


def _close_turn(turns: list[dict[str, Any]], slots: dict[str, Any]) -> None:
    if turns and not turns[-1]["slots"]:
        turns[-1]["slots"] = {k: v for k, v in slots.items() if v not in (None, "", [], {})}
        turns[-1]["actions"] = tuple(turns[-1]["actions"])
