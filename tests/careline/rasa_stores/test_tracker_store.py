"""Careline's tracker store on SQLite and PostgreSQL: round trips, ordered publishing, loud errors."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from careline.rasa_stores.errors import TrackerStoreUnavailable
from careline.rasa_stores.tracker_store import CarelineTrackerStore
from careline.settings import reset_settings

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture
def sqlite_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CarelineTrackerStore]:
    monkeypatch.delenv("CARELINE_TRACKER_STORE_URL", raising=False)
    monkeypatch.setenv("CARELINE_TRACKER_DB", str(tmp_path / "tracker.db"))
    reset_settings()
    broker = SQLEventBroker(db=str(tmp_path / "events.db"))
    yield CarelineTrackerStore(domain=Domain.empty(), event_broker=broker)
    reset_settings()


@pytest.fixture
def postgres_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"test_tracker_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{POSTGRES_SERVER}/{name}"
    monkeypatch.setenv("CARELINE_TRACKER_STORE_URL", url)
    reset_settings()
    yield url
    reset_settings()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _turn(sender: str, text_: str, reply: str) -> list:
    return [
        UserUttered(text_, {"name": "greet", "confidence": 0.97}, input_channel="sms"),
        ActionExecuted("utter_greet"),
        BotUttered(reply),
        ActionExecuted("action_listen"),
    ]


async def test_sqlite_round_trip_and_each_event_published_once(
    sqlite_store: CarelineTrackerStore, tmp_path: Path
) -> None:
    tracker = DialogueStateTracker("c-1", slots=[])
    for event in _turn("c-1", "hello", "Hi!"):
        tracker.update(event)
    await sqlite_store.save(tracker)
    for event in _turn("c-1", "again", "Hi again!"):
        tracker.update(event)
    await sqlite_store.save(tracker)

    loaded = await sqlite_store.retrieve("c-1")
    assert [e.as_dict()["event"] for e in loaded.events] == [e.as_dict()["event"] for e in tracker.events]
    with create_engine(f"sqlite:///{tmp_path / 'events.db'}").connect() as connection:
        published = connection.execute(text("SELECT data FROM events ORDER BY id")).all()
    assert len(published) == len(tracker.events)  # no event published twice


@pytest.mark.postgres
async def test_postgres_round_trip(postgres_url: str) -> None:
    store = CarelineTrackerStore(domain=Domain.empty())
    assert store.engine.dialect.name == "postgresql"
    tracker = DialogueStateTracker("+447700900123", slots=[])
    for event in _turn("+447700900123", "hello", "Hi!"):
        tracker.update(event)
    await store.save(tracker)
    loaded = await store.retrieve("+447700900123")
    assert loaded is not None and loaded.latest_message.text == "hello"
    assert await store.retrieve("nobody") is None  # a new customer is not an error
    store.engine.dispose()


@pytest.mark.postgres
async def test_database_gone_is_loud_not_an_empty_conversation(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = CarelineTrackerStore(domain=Domain.empty())
    tracker = DialogueStateTracker("c-2", slots=[])
    for event in _turn("c-2", "hello", "Hi!"):
        tracker.update(event)
    await store.save(tracker)
    store.engine.dispose()
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        database = postgres_url.rsplit("/", 1)[1]
        connection.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
    admin.dispose()

    with caplog.at_level(logging.ERROR):
        with pytest.raises(TrackerStoreUnavailable):
            await store.retrieve("c-2")
        with pytest.raises(TrackerStoreUnavailable):
            await store.save(tracker)
    assert "could not load conversation c-2" in caplog.text
    assert "could not save conversation c-2" in caplog.text


async def test_each_saved_turn_logs_one_masked_line(
    sqlite_store: CarelineTrackerStore, caplog: pytest.LogCaptureFixture
) -> None:
    tracker = DialogueStateTracker("+447700900123", slots=[])
    for event in _turn("+447700900123", "my number is +447700900999", "Hi!"):
        tracker.update(event)
    with caplog.at_level(logging.INFO, logger="careline.turns"):
        await sqlite_store.save(tracker)
        await sqlite_store.save(tracker)  # nothing new: no second line
    lines = [r.getMessage() for r in caplog.records if r.name == "careline.turns"]
    assert len(lines) == 1
    assert lines[0].startswith("turn conversation=+44••••••••23 channel=sms intent=greet "
                               "confidence=0.97 actions=utter_greet latency_ms=")
    assert "900123" not in lines[0] and "900999" not in lines[0]
