"""The designer's review inbox: every customer message with what the bot made of it.

Read from the tracker store's events with insight's reader
(:class:`careline.insight.stream.SqlEventReader`), folded here by one pure function into
conversations (a session each) and turns: the message, its intent, confidence and
entities, and each action the policies chose next (with the policy and its confidence),
with what the bot said. Everything a designer reads is masked first (:func:`mask`):
phone and card numbers as the logs mask them, then every run of four or more digits
(PINs, one-time codes, account numbers), so no customer's number reaches the page,
the JSON or the training data written from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional

from careline import clock
from careline.designer.project import load_project
from careline.designer.reviewed import (
    Correction, CorrectionRefused, Written, conversation_hash, evaluated_texts, save_correction,
)
from careline.identity.secret_answers import mask_digits
from careline.insight.ingest import HANDOFF_ACTION
from careline.insight.metrics import REPEAT_WINDOW
from careline.insight.stream import RawEvent, SqlEventReader
from careline.observability.redact import redact_log

#: Below this the message is worth a look even when it was not a fallback.
LOW_CONFIDENCE = 0.5
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "utter_default", "utter_ask_rephrase",
                              "action_two_stage_fallback"})
COMPLAINT_INTENTS = frozenset({"frustration", "dispute_charge", "cancel_service"})
COMPLAINT_REASONS = frozenset({"frustration", "dispute_over_threshold", "cancellation_threat"})
UNSHOWN_ACTIONS = frozenset({"action_listen", "action_session_start"})
MAX_DAYS = 90
#: Rasa's convention for intents only ``trigger_intent`` sends (as careline.designer.checks).
SYSTEM_INTENT_PREFIX = "EXTERNAL_"


class Flag(str, Enum):
    """Why a message is worth reviewing: its own (fallback, low confidence) or its
    conversation's (handed off, ended in a complaint, a repeat contact)."""

    FALLBACK = "fallback"
    LOW_CONFIDENCE = "low_confidence"
    HANDOFF = "handoff"
    COMPLAINT = "complaint"
    REPEAT = "repeat"


@dataclass(frozen=True)
class Step:
    """One action the bot ran, the policy that chose it, and the lines it sent."""

    action: str
    policy: Optional[str]
    confidence: Optional[float]
    said: tuple[str, ...] = ()


@dataclass(frozen=True)
class Turn:
    message_id: int  # the tracker store's event id
    conversation_id: str
    at: datetime
    text: str  # masked
    intent: Optional[str]
    confidence: float
    entities: tuple[tuple[str, str], ...]  # (entity, masked value)
    steps: tuple[Step, ...]
    flags: frozenset[Flag]

    @property
    def action(self) -> Optional[str]:
        """The first action the bot chose after the message."""
        return self.steps[0].action if self.steps else None

    def as_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "conversation": conversation_hash(
                    self.conversation_id), "at": self.at.isoformat(), "text": self.text,
                "intent": self.intent, "confidence": round(self.confidence, 3),
                "entities": [{"entity": e, "value": v} for e, v in self.entities],
                "action": self.action, "flags": sorted(f.value for f in self.flags)}


@dataclass(frozen=True)
class Conversation:
    """One session of one conversation id; ``opening`` is what the bot did before the
    customer's first message (a greeting, a proactive notice)."""

    conversation_id: str
    started_at: datetime
    opening: tuple[Step, ...]
    turns: tuple[Turn, ...]
    flags: frozenset[Flag]


def mask(text: str) -> str:
    """What a designer may read of a customer's words (see the module's docstring)."""
    return mask_digits(redact_log(text))


def _at(event: Mapping[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)


class _Session:
    def __init__(self, sender: str, at: datetime) -> None:
        self.sender, self.started_at = sender, at
        self.customer: Optional[str] = None
        self.opening: list[Step] = []
        self.turns: list[dict[str, Any]] = []
        self.flags: set[Flag] = set()

    def steps(self) -> list[Step]:
        return self.turns[-1]["steps"] if self.turns else self.opening

    def conversation(self, repeat: bool) -> Conversation:
        flags = frozenset(self.flags | ({Flag.REPEAT} if repeat else set()))
        turns = tuple(Turn(**{**t, "steps": tuple(t["steps"]),
                              "flags": frozenset(t["flags"]) | flags}) for t in self.turns)
        return Conversation(self.sender, self.started_at, tuple(self.opening), turns, flags)


def fold(events: Iterable[RawEvent]) -> list[Conversation]:
    """Conversations from the tracker store's events (in id order), oldest first.

    A session starts at ``session_started`` or a conversation's first event. A session is
    a repeat contact when the same customer (``customer_id`` slot) or, unidentified, the
    same conversation id had a session with a message in the 7 days before (as insight
    counts them).
    """
    sessions: list[_Session] = []
    current: dict[str, _Session] = {}
    for event in events:
        data, sender = event.data, event.sender_id
        if not isinstance(data, dict) or not sender:
            continue
        kind, at = data.get("event"), _at(data)
        if kind == "session_started" or sender not in current:
            current[sender] = _Session(sender, at)
            sessions.append(current[sender])
            if kind == "session_started":
                continue
        session = current[sender]
        if kind == "user":
            session.turns.append(_turn(event, at))
        elif kind == "action" and data.get("name") and data["name"] not in UNSHOWN_ACTIONS:
            name = str(data["name"])
            session.steps().append(Step(name, data.get("policy"), data.get("confidence")))
            if name == HANDOFF_ACTION:
                session.flags.add(Flag.HANDOFF)
            if name in FALLBACK_ACTIONS and session.turns:
                session.turns[-1]["flags"].add(Flag.FALLBACK)
        elif kind == "bot" and data.get("text"):
            steps = session.steps()
            line = mask(str(data["text"]))
            if steps:
                steps[-1] = Step(steps[-1].action, steps[-1].policy, steps[-1].confidence,
                                 steps[-1].said + (line,))
            else:
                steps.append(Step("(bot)", None, None, (line,)))
        elif kind == "slot" and data.get("name") == "customer_id" and data.get("value"):
            session.customer = str(data["value"])
        elif kind == "slot" and data.get("name") == "handoff_reason" and \
                data.get("value") in COMPLAINT_REASONS:
            session.flags.add(Flag.COMPLAINT)
    return _with_repeats(sessions)


def _turn(event: RawEvent, at: datetime) -> dict[str, Any]:
    data = event.data
    parse = data.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
    flags = set()
    if intent == FALLBACK_INTENT:
        flags.add(Flag.FALLBACK)
    if confidence < LOW_CONFIDENCE:
        flags.add(Flag.LOW_CONFIDENCE)
    entities = tuple((str(e.get("entity")), mask(str(e.get("value"))))
                     for e in parse.get("entities") or () if isinstance(e, dict)
                     and e.get("entity"))
    return {"message_id": event.position, "conversation_id": event.sender_id, "at": at,
            "text": mask(str(data.get("text") or "")), "intent": intent,
            "confidence": confidence, "entities": entities, "steps": [], "flags": flags}


def _with_repeats(sessions: list[_Session]) -> list[Conversation]:
    last_seen: dict[str, datetime] = {}
    folded = []
    for session in sorted(sessions, key=lambda s: s.started_at):
        if any(t["intent"] in COMPLAINT_INTENTS for t in session.turns):
            session.flags.add(Flag.COMPLAINT)
        key = f"customer:{session.customer}" if session.customer else session.sender
        repeat = bool(session.turns) and key in last_seen and \
            session.started_at - last_seen[key] <= REPEAT_WINDOW
        if session.turns:
            last_seen[key] = session.started_at
        if session.turns or session.opening:  # Rasa's action_session_start precedes a session
            folded.append(session.conversation(repeat))
    return folded


@dataclass(frozen=True)
class InboxQuery:
    days: int = 7
    flag: Optional[Flag] = None
    intent: Optional[str] = None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> InboxQuery:
        """``?days=&flag=&intent=`` as the page and the API take them; ValueError if wrong."""
        days = int(query.get("days") or 7)
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days is 1 to {MAX_DAYS}")
        flag = Flag(query["flag"]) if query.get("flag") else None
        return cls(days=days, flag=flag, intent=query.get("intent") or None)


class ReviewService:
    """The inbox and the corrections, on the tracker store and the project's ``data/``."""

    def __init__(self, *, tracker_url: str, root: Path) -> None:
        self.reader = SqlEventReader(tracker_url)
        self.root = root
        self._intents: Optional[tuple[str, ...]] = None
        self._entities: tuple[str, ...] = ()

    def conversations(self, *, days: int, sender_id: Optional[str] = None) -> list[Conversation]:
        """Sessions of the last ``days`` (read 7 days further back to see repeats)."""
        since = clock.now() - timedelta(days=days)
        events = self.reader.read_period(since=(since - REPEAT_WINDOW).timestamp(),
                                         sender_id=sender_id)
        return [c for c in fold(events) if c.started_at >= since or
                any(t.at >= since for t in c.turns)]

    def inbox(self, query: InboxQuery) -> list[Turn]:
        """The messages of the period, newest first, that match the query's filters."""
        since = clock.now() - timedelta(days=query.days)
        turns = [t for c in self.conversations(days=query.days) for t in c.turns
                 if t.at >= since and not t.text.startswith("/")]
        if query.flag is not None:
            turns = [t for t in turns if query.flag in t.flags]
        if query.intent:
            turns = [t for t in turns if t.intent == query.intent]
        return sorted(turns, key=lambda t: t.message_id, reverse=True)

    def correct(self, *, message_id: int, intent: str,
                entities: Optional[tuple[tuple[str, str], ...]] = None) -> Written:
        """Save the message as an example of ``intent`` (the same intent confirms it);
        its entities as Rasa found them unless the designer gave others.

        Raises LookupError for an id that is no customer message,
        CorrectionRefused (careline.designer.reviewed) for one that may not be trained on.
        """
        if intent not in self.intents():
            raise CorrectionRefused(f"'{intent}' is not an intent of the domain")
        found = self.reader.read_after(message_id - 1, limit=1)
        if not found or found[0].position != message_id or \
                not isinstance(found[0].data, dict) or found[0].data.get("event") != "user":
            raise LookupError(f"no customer message {message_id}")
        turn = _turn(found[0], _at(found[0].data))
        if entities is not None:
            _check_entities(entities, text=turn["text"], known=self.entities())
        correction = Correction(text=turn["text"], intent=intent,
                                conversation_id=found[0].sender_id,
                                day=turn["at"].astimezone(clock.operator_zone()).date(),
                                entities=turn["entities"] if entities is None else entities)
        return save_correction(correction, root=self.root, evaluated=evaluated_texts(self.root))

    def intents(self) -> tuple[str, ...]:
        """The domain's intents a customer can mean (not those only the system sends)."""
        if self._intents is None:
            self._load_domain()
        return self._intents or ()

    def entities(self) -> tuple[str, ...]:
        """The domain's entity types, which a designer's correction may mark."""
        if self._intents is None:
            self._load_domain()
        return self._entities

    def _load_domain(self) -> None:
        project = load_project(self.root, data="-", tests="-", actions="-")
        self._intents = tuple(sorted({i.name for i in project.intents
                                      if not i.name.startswith(SYSTEM_INTENT_PREFIX)}))
        self._entities = tuple(sorted({e.name for e in project.entities}))

    def close(self) -> None:
        self.reader.close()


def _check_entities(entities: tuple[tuple[str, str], ...], *, text: str,
                    known: tuple[str, ...]) -> None:
    """A designer's entities must be the domain's types, marking words the message holds
    as the inbox shows it (masked), or the example would teach Rasa nothing."""
    for entity, value in entities:
        if entity not in known:
            raise CorrectionRefused(f"'{entity}' is not an entity of the domain")
        if not value.strip() or value not in text:
            raise CorrectionRefused(f"'{value}' is not in the message as shown")
