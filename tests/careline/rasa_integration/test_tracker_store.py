"""Careline's tracker store on SQLite and PostgreSQL: round trips, ordered publishing, loud errors."""

from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from careline.rasa_integration.errors import TrackerStoreUnavailable
from careline.rasa_integration.tracker_store import CarelineTrackerStore
from careline.settings import reset_settings
from tests.masking import holds_secret

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
    for event_ in _turn("c-1", "hello", "Hi!"):
        tracker.update(event_)
    await sqlite_store.save(tracker)
    for event_ in _turn("c-1", "again", "Hi again!"):
        tracker.update(event_)
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
    for event_ in _turn("+447700900123", "hello", "Hi!"):
        tracker.update(event_)
    await store.save(tracker)
    loaded = await store.retrieve("+447700900123")
    assert loaded is not None and loaded.latest_message.text == "hello"
    assert await store.retrieve("nobody") is None  # a new customer is not an error
    store.engine.dispose()


def _stored(url: str, sender: str) -> list[str]:
    """Event types of a conversation as stored, in order."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT type_name FROM events WHERE sender_id = :s "
                                       "ORDER BY id"), {"s": sender}).all()
    engine.dispose()
    return [row[0] for row in rows]


@pytest.mark.postgres
async def test_turns_on_loaded_and_on_fresh_trackers_store_each_event_once(
    postgres_url: str,
) -> None:
    """A loaded tracker writes what came after loading; one built elsewhere (Rasa's HTTP
    API, a new conversation) falls back to counting what the database has."""
    store = CarelineTrackerStore(domain=Domain.empty())
    fresh = DialogueStateTracker("c-3", slots=[])
    for event_ in [SessionStarted(), *_turn("c-3", "hello", "Hi!")]:
        fresh.update(event_)
    await store.save(fresh)
    for number in range(3):  # turns the way Rasa runs them: load, add, save
        loaded = await store.retrieve("c-3")
        for event_ in _turn("c-3", f"turn {number}", "ok"):
            loaded.update(event_)
        await store.save(loaded)
        await store.save(loaded)  # saving again writes nothing twice
    rebuilt = DialogueStateTracker.from_dict(
        "c-3", [e.as_dict() for e in (await store.retrieve("c-3")).events], [])
    rebuilt.update(UserUttered("from elsewhere", {"name": "greet", "confidence": 1.0}))
    await store.save(rebuilt)
    expected = ["session_started"] + ["user", "action", "bot", "action"] * 4 + ["user"]
    assert _stored(postgres_url, "c-3") == expected
    loaded = await store.retrieve("c-3")
    assert [e.as_dict()["event"] for e in loaded.events] == expected
    # a new session: the latest session's tracker still appends, never rewrites
    loaded.update(SessionStarted())
    loaded.update(ActionExecuted("action_listen"))
    await store.save(loaded)
    latest = await store.retrieve("c-3")
    assert [e.as_dict()["event"] for e in latest.events] == ["session_started", "action"]
    latest.update(UserUttered("new session", {"name": "greet", "confidence": 1.0}))
    await store.save(latest)
    assert _stored(postgres_url, "c-3") == [*expected, "session_started", "action", "user"]
    store.engine.dispose()


@pytest.mark.postgres
async def test_a_save_waiting_on_the_database_leaves_the_event_loop_free(
    postgres_url: str,
) -> None:
    """While one conversation's write waits for PostgreSQL, other coroutines run."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:  # a write stuck on the loop fails instead of hanging
        connection.execute(text(f'ALTER DATABASE "{make_url(postgres_url).database}" '
                                "SET lock_timeout = '20s'"))
    admin.dispose()
    store = CarelineTrackerStore(domain=Domain.empty())
    tracker = DialogueStateTracker("c-4", slots=[])
    for event_ in _turn("c-4", "hello", "Hi!"):
        tracker.update(event_)
    await store.save(tracker)
    for event_ in _turn("c-4", "again", "Hi again!"):
        tracker.update(event_)
    blocker = create_engine(postgres_url)
    with blocker.connect() as connection:
        transaction = connection.begin()
        connection.execute(text("LOCK TABLE events IN ACCESS EXCLUSIVE MODE"))
        saving = asyncio.create_task(store.save(tracker))
        deadline = asyncio.get_running_loop().time() + 30
        while not _waiting_on_lock(connection):  # this loop runs: the save is off the loop
            assert asyncio.get_running_loop().time() < deadline, "the save never queried"
            await asyncio.sleep(0.05)
        assert not saving.done()
        transaction.commit()
    await asyncio.wait_for(saving, timeout=30)
    blocker.dispose()
    assert _stored(postgres_url, "c-4") == ["user", "action", "bot", "action"] * 2
    store.engine.dispose()


def _waiting_on_lock(connection) -> bool:  # type: ignore[no-untyped-def]
    return bool(connection.execute(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'")).scalar())


@pytest.mark.postgres
async def test_database_gone_is_loud_not_an_empty_conversation(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = CarelineTrackerStore(domain=Domain.empty())
    tracker = DialogueStateTracker("c-2", slots=[])
    for event_ in _turn("c-2", "hello", "Hi!"):
        tracker.update(event_)
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
        for event_ in _turn("c-2", "still there?", "Yes!"):  # a turn with events to write
            tracker.update(event_)
        with pytest.raises(TrackerStoreUnavailable):
            await store.save(tracker)
    assert "could not load conversation c-2" in caplog.text
    assert "could not save conversation c-2" in caplog.text


async def test_each_saved_turn_logs_one_masked_line(
    sqlite_store: CarelineTrackerStore, caplog: pytest.LogCaptureFixture
) -> None:
    tracker = DialogueStateTracker("+447700900123", slots=[])
    for event_ in _turn("+447700900123", "my number is +447700900999", "Hi!"):
        tracker.update(event_)
    with caplog.at_level(logging.INFO, logger="careline.turns"):
        await sqlite_store.save(tracker)
        await sqlite_store.save(tracker)  # nothing new: no second line
    lines = [r.getMessage() for r in caplog.records if r.name == "careline.turns"]
    assert len(lines) == 1
    assert lines[0].startswith("turn conversation=+44••••••••23 channel=sms intent=greet "
                               "confidence=0.97 actions=utter_greet latency_ms=")
    assert "900123" not in lines[0] and "900999" not in lines[0]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[CarelineTrackerStore]:
    """The store on each database it runs on in production or at a desk."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")
    else:
        monkeypatch.delenv("CARELINE_TRACKER_STORE_URL", raising=False)
        monkeypatch.setenv("CARELINE_TRACKER_DB", str(tmp_path / "tracker.db"))
        reset_settings()
    store = CarelineTrackerStore(domain=Domain.empty())
    assert store.engine.dialect.name == request.param
    yield store
    store.engine.dispose()


@contextmanager
def _statements(store: CarelineTrackerStore) -> Iterator[list[tuple[str, int]]]:
    """Each SQL statement the store sends while inside, with its number of parameter sets."""
    seen: list[tuple[str, int]] = []

    def record(_conn, _cursor, statement: str, parameters: Any, _context: Any,
               executemany: bool) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement.lower(), len(parameters) if executemany else 1))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def _rich_turn(number: int) -> list:
    return [
        UserUttered(f"my meter {number} is broken", {"name": "report_fault", "confidence": 0.91},
                    entities=[{"entity": "meter", "value": str(number), "start": 3, "end": 8}],
                    input_channel="whatsapp", message_id=f"m-{number}",
                    metadata={"wa_id": "447700900123"}),
        ActionExecuted("action_check_outage", policy="RulePolicy", confidence=1.0),
        BotUttered(f"Sorry about meter {number}", {"buttons": [{"title": "Yes"}]},
                   metadata={"utter_action": "utter_sorry"}),
        ActionExecuted("action_listen"),
    ]


async def test_a_multi_turn_conversation_round_trips_identically(
    store: CarelineTrackerStore,
) -> None:
    tracker = await store.get_or_create_tracker("c-5", append_action_listen=False)
    for event_ in [SessionStarted(), ActionExecuted("action_listen")]:
        tracker.update(event_)
    await store.save(tracker)
    for number in range(3):
        for event_ in _rich_turn(number):
            tracker.update(event_)
        await store.save(tracker)

    loaded = await store.retrieve("c-5")
    assert [e.as_dict() for e in loaded.events] == [e.as_dict() for e in tracker.events]
    with store.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT type_name, timestamp, intent_name, action_name FROM events "
            "WHERE sender_id = 'c-5' ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [
        (e.type_name, e.timestamp, getattr(e, "intent_name", None),
         e.action_name if isinstance(e, ActionExecuted) else None)
        for e in tracker.events]


async def test_a_new_conversations_saves_count_nothing_and_store_every_event(
    store: CarelineTrackerStore,
) -> None:
    with _statements(store) as statements:
        tracker = await store.get_or_create_tracker("c-6")  # Rasa's new conversation
        for event_ in [SessionStarted(), ActionExecuted("action_listen"), *_rich_turn(1)]:
            tracker.update(event_)
        await store.save(tracker)
    assert [s for s, _ in statements if "insert" in s]  # the listener sees the store's SQL
    assert not [s for s, _ in statements if "count(" in s]
    expected = ["action", "session_started", "action", "user", "action", "bot", "action"]
    assert _stored(str(store.engine.url), "c-6") == expected

    elsewhere = DialogueStateTracker.from_dict(  # not made here: Rasa's count decides
        "c-6", [e.as_dict() for e in (await store.retrieve("c-6")).events], [])
    elsewhere.update(UserUttered("from elsewhere", {"name": "greet", "confidence": 1.0}))
    with _statements(store) as statements:
        await store.save(elsewhere)
    assert [s for s, _ in statements if "count(" in s]
    assert _stored(str(store.engine.url), "c-6") == [*expected, "user"]


async def test_a_new_conversations_empty_first_save_leaves_the_loop_alone(
    store: CarelineTrackerStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rasa saves each new conversation's empty tracker: no thread hop for nothing."""
    hops: list[str] = []
    off_loop = store._off_loop

    async def counted(work: Any) -> Any:
        hops.append(getattr(work, "func", work).__name__)
        return await off_loop(work)

    monkeypatch.setattr(store, "_off_loop", counted)
    tracker = await store.get_or_create_tracker("c-8", append_action_listen=False)
    assert hops == ["_load"]
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    assert hops == ["_load", "_write"]
    assert _stored(str(store.engine.url), "c-8") == ["action"]


async def test_a_tracker_saved_again_inserts_only_its_new_events_in_one_statement(
    store: CarelineTrackerStore,
) -> None:
    tracker = DialogueStateTracker("c-7", slots=[])
    for event_ in _rich_turn(1):
        tracker.update(event_)
    await store.save(tracker)
    with _statements(store) as statements:
        await store.save(tracker)  # nothing new
    assert statements == []
    for event_ in _rich_turn(2):
        tracker.update(event_)
    with _statements(store) as statements:
        await store.save(tracker)
    assert [n for s, n in statements if "insert" in s] == [4]
    assert _stored(str(store.engine.url), "c-7") == ["user", "action", "bot", "action"] * 2


async def test_a_pin_typed_when_asked_is_masked_in_the_store_and_the_broker(
    sqlite_store: CarelineTrackerStore, tmp_path: Path
) -> None:
    """The form's action sees the PIN in its turn; what is stored and published does not."""
    from rasa.shared.core.events import SlotSet

    tracker = DialogueStateTracker("c-9", slots=[])
    for event_ in [UserUttered("switch me to unlimited", {"name": "change_plan"}),
                   SlotSet("requested_slot", "security_code"), BotUttered("Your PIN?"),
                   ActionExecuted("action_listen")]:
        tracker.update(event_)
    await sqlite_store.save(tracker)
    for event_ in [UserUttered("my pin is 2468", {"name": "inform"},
                               entities=[{"entity": "pin", "value": "2468"}]),
                   SlotSet("security_code", "my pin is 2468"),
                   SlotSet("security_code", "verified"), ActionExecuted("action_listen")]:
        tracker.update(event_)
    await sqlite_store.save(tracker)

    loaded = await sqlite_store.retrieve("c-9")
    answer = [e for e in loaded.events if isinstance(e, UserUttered)][-1]
    assert answer.text == "my pin is ••••" and answer.entities[0]["value"] == "••••"
    assert [e.value for e in loaded.events if getattr(e, "key", None) == "security_code"] == [
        "my pin is ••••", "verified"]
    assert answer.intent_name == "inform"
    with create_engine(f"sqlite:///{tmp_path / 'events.db'}").connect() as connection:
        published = " ".join(data for (data,) in connection.execute(text("SELECT data FROM events")))
    with sqlite_store.engine.connect() as connection:
        stored = " ".join(data for (data,) in connection.execute(text("SELECT data FROM events")))
    assert not holds_secret(published, "2468") and not holds_secret(stored, "2468")
    assert "switch me to unlimited" in stored  # only the secret's turn is masked
