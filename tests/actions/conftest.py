"""Action tests: real actions, rasa_sdk's real Tracker and CollectingDispatcher, a seeded
database and the Twilio stand-in.

Each test gets its own copy of the seeded SQLite database (the profile engineer's
``seeded_sqlite_db``), named in the settings, so actions build their services
exactly as in production and writes vanish with the copy.
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import make_url

from careline.db.session import get_engine
from careline.profile.service import ProfileService
from careline.settings import reset_settings
from tests.conftest import RunningStandin, TestDatabase, demo_customer_ids


@functools.lru_cache(maxsize=1)
def project_domain() -> dict[str, Any]:
    """Careline's domain, as Rasa sends it to the action server (forms name their slots,
    ``pending_request`` lists the requests that wait for verification)."""
    return Domain.load(str(Path(__file__).resolve().parents[2] / "domain")).as_dict()


@pytest.fixture()
def careline_db(seeded_sqlite_db: TestDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                at_seeded_time: None) -> Iterator[str]:
    """A private copy of the seeded database that every service in the test uses, read on
    the calendar it was seeded for."""
    source = make_url(seeded_sqlite_db.url).database
    target = tmp_path / "careline.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("CARELINE_DATABASE_URL", url)
    monkeypatch.setenv("CARELINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TWILIO_API_BASE_URL", "http://127.0.0.1:9")
    reset_settings()
    get_engine.cache_clear()
    yield url
    get_engine(url).dispose()
    get_engine.cache_clear()
    reset_settings()


@pytest.fixture()
def with_standin(careline_db: str, standin: RunningStandin,
                 monkeypatch: pytest.MonkeyPatch) -> RunningStandin:
    monkeypatch.setenv("TWILIO_API_BASE_URL", standin.url)
    reset_settings()
    return standin


@pytest.fixture()
def demo(careline_db: str) -> dict[str, int]:
    """Demo customer ids by first name."""
    return demo_customer_ids(ProfileService())


@dataclass
class Turn:
    """What one action run said and did."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]

    @property
    def responses(self) -> list[Optional[str]]:
        return [m.get("response") for m in self.messages]

    def kwargs(self, response: str) -> dict[str, Any]:
        return next(m for m in self.messages if m.get("response") == response)

    def slots(self) -> dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}

    def followup(self) -> Optional[str]:
        return next((e["name"] for e in self.events if e.get("event") == "followup"), None)


@dataclass
class Conversation:
    """Slots and the latest message, as Rasa would send them to the action server."""

    slots: dict[str, Any] = field(default_factory=dict)
    intent: str = "inform"
    text: str = ""
    entities: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    input_channel: Optional[str] = None
    active_loop: Optional[str] = None
    events: list[dict[str, Any]] = field(default_factory=list)
    sender_id: str = "test-conversation"
    #: The latest user message's id (a MessageSid on Twilio): what tells one turn from another.
    message_id: Optional[str] = None

    def tracker(self) -> Tracker:
        latest = {"intent": {"name": self.intent, "confidence": 1.0}, "text": self.text,
                  "entities": self.entities, "metadata": self.metadata,
                  "intent_ranking": [{"name": self.intent, "confidence": 1.0}],
                  "message_id": self.message_id}
        user = {"event": "user", "text": self.text, "parse_data": latest,
                "input_channel": self.input_channel, "metadata": self.metadata,
                "message_id": self.message_id}
        return Tracker(self.sender_id, dict(self.slots), latest, [*self.events, user],
                       False, None, {"name": self.active_loop} if self.active_loop else {},
                       "action_listen")


async def run(action: Action, conversation: Conversation) -> Turn:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, conversation.tracker(), {})
    return Turn(messages=dispatcher.messages, events=[dict(e) for e in events])


def verified(customer_id: int, channel: str = "sms", **slots: Any) -> dict[str, Any]:
    return {"customer_id": customer_id, "verified": True, "channel": channel, **slots}
