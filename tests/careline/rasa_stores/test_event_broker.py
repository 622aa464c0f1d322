"""The embedded event broker: every event kept in order, on a WAL-journalled SQLite file."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Iterator

import pytest

from careline.rasa_stores.event_broker import CarelineEventBroker, EmbeddedEventBroker
from careline.settings import reset_settings


@pytest.fixture
def events_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "events.db"
    monkeypatch.delenv("CARELINE_EVENT_BROKER_URL", raising=False)
    monkeypatch.setenv("CARELINE_EVENTS_DB", str(path))
    reset_settings()
    yield path
    reset_settings()


def test_without_a_broker_url_events_go_to_the_embedded_file_in_order(events_db: Path) -> None:
    broker = asyncio.run(CarelineEventBroker.from_endpoint_config(None))
    assert isinstance(broker, EmbeddedEventBroker)
    for n in range(30):
        broker.publish({"sender_id": f"c{n % 3}", "event": "user", "text": f"message {n}"})
    broker.engine.dispose()

    reader = sqlite3.connect(events_db)
    rows = reader.execute("SELECT sender_id, data FROM events ORDER BY id").fetchall()
    journal = reader.execute("PRAGMA journal_mode").fetchone()[0]
    reader.close()
    assert [json.loads(data)["text"] for _, data in rows] == [f"message {n}" for n in range(30)]
    assert [sender for sender, _ in rows][:3] == ["c0", "c1", "c2"]
    assert journal == "wal"


def test_a_reader_in_another_connection_sees_each_event_once_committed(events_db: Path) -> None:
    broker = EmbeddedEventBroker(str(events_db))
    reader = sqlite3.connect(events_db)
    try:
        broker.publish({"sender_id": "c", "event": "bot", "text": "first"})
        assert reader.execute("SELECT count(*) FROM events").fetchone()[0] == 1
        broker.publish({"sender_id": "c", "event": "bot", "text": "second"})
        assert reader.execute("SELECT count(*) FROM events").fetchone()[0] == 2
    finally:
        reader.close()
        broker.engine.dispose()
