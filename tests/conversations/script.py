"""The conversation scripts: YAML in ``scripts/`` read into frozen dataclasses.

A script says who talks on which channel, what they type, and what the replies must
(``expect``) and must not (``refuse``) contain, as regular expressions in which
``${fact}`` stands for a value read from the stack's rows when the turn is played
(``facts.py``), so no amount or date is written into a script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

SCRIPTS = Path(__file__).parent / "scripts"
CHANNELS = ("sms", "whatsapp", "webchat")


@dataclass(frozen=True)
class Turn:
    say: str
    expect: tuple[str, ...] = ()
    refuse: tuple[str, ...] = ()
    #: play this turn only if the previous replies match (a question the bot may skip)
    when: Optional[str] = None
    #: at least this many replies to wait for (a reply and a follow-up question)
    replies: int = 1
    #: the conversation went quiet long enough for a new session before this turn
    new_session: bool = False


@dataclass(frozen=True)
class Effects:
    """What the conversation must leave in the database."""

    #: handoffs made during the conversation: None = not checked, () = none at all
    handoff_reasons: Optional[tuple[str, ...]] = None
    handoff_priority: tuple[str, ...] = ()
    no_handoff_reason: tuple[str, ...] = ()
    payments_not_in_future: bool = False


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    channel: str
    #: a demo customer's first name (lower case), "stranger" (a number we do not know),
    #: or "visitor" (web chat, anonymous)
    who: str
    turns: tuple[Turn, ...]
    effects: Effects = field(default_factory=Effects)
    #: web chat: the page's token already names the customer (signed in on the site)
    signed_in: bool = False
    #: state to put back as seeded before playing (e.g. "arrangements")
    fresh: tuple[str, ...] = ()
    #: what happened before the conversation ("resolved_notice": a "fixed" notice was sent)
    setup: tuple[str, ...] = ()
    #: the agent hands the conversation back after this many turns, with this text
    hand_back_after: Optional[int] = None
    hand_back_text: str = "I've chased the engineers for you."
    #: a line of the issue this conversation shows (docs/conversations.md)
    transcript: Optional[str] = None


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


def _turn(raw: dict[str, Any]) -> Turn:
    if not isinstance(raw["say"], str):  # YAML reads an unquoted yes as True
        raise ValueError(f"quote what the customer says: {raw['say']!r}")
    return Turn(say=raw["say"], expect=_strings(raw.get("expect")),
                refuse=_strings(raw.get("refuse")), when=raw.get("when"),
                replies=int(raw.get("replies", 1)),
                new_session=bool(raw.get("new_session", False)))


def _effects(raw: dict[str, Any]) -> Effects:
    reasons = raw.get("handoffs")
    return Effects(handoff_reasons=None if reasons is None else _strings(reasons),
                   handoff_priority=_strings(raw.get("priority")),
                   no_handoff_reason=_strings(raw.get("no_handoff_reason")),
                   payments_not_in_future=bool(raw.get("payments_not_in_future", False)))


def _conversation(raw: dict[str, Any], source: str) -> Conversation:
    channel = raw["channel"]
    if channel not in CHANNELS:
        raise ValueError(f"{source}: {raw['id']}: channel {channel!r} is not one of {CHANNELS}")
    return Conversation(
        id=raw["id"], title=raw["title"], channel=channel, who=raw["who"],
        turns=tuple(_turn(t) for t in raw["turns"]), effects=_effects(raw.get("effects", {})),
        signed_in=bool(raw.get("signed_in", False)), fresh=_strings(raw.get("fresh")),
        setup=_strings(raw.get("setup")),
        hand_back_after=raw.get("hand_back_after"),
        hand_back_text=raw.get("hand_back_text", Conversation.hand_back_text),
        transcript=raw.get("transcript"))


def load(path: Path) -> list[Conversation]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [_conversation(raw, path.name) for raw in document["conversations"]]


def load_all(directory: Path = SCRIPTS) -> list[Conversation]:
    """Every script, in file then file order; ids are unique across files."""
    conversations = [c for path in sorted(directory.glob("*.yml")) for c in load(path)]
    ids = [c.id for c in conversations]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"conversation ids used twice: {sorted(duplicates)}")
    return conversations
