"""Keys older than the retention go, in batches; recent keys and parked tries stay. The rows
are written at fixed instants and pruned at a later one, with careline.clock moved by
time-machine, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
import time_machine
from sqlalchemy import text

from careline import clock
from careline.channels.store import ChannelStore
from careline.db.retention import Pruned, prune, prune_forever
from careline.db.session import session_scope
from careline.poison.ledger import PoisonLedger
from careline.profile.repositories import engagement
from tests.conftest import TestDatabase, database_of_its_own
from tests.eventually import eventually_async

WRITTEN = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
KEEP = timedelta(days=7)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path) -> Iterator[TestDatabase]:
    """A database of its own: pruning commits, so it cannot share a rolled-back one."""
    with database_of_its_own(request.param, tmp_path, "careline_retention") as database:
        yield database


def write_keys(database: TestDatabase, *keys: str) -> None:
    """Claim each key now, as a turn's account write does."""
    with session_scope(database.engine) as session:
        for key in keys:
            assert engagement.claim_write(session=session, key=key, kind="dispute",
                                          customer_id=None, at=clock.now())


def fail_on(database: TestDatabase, key: str, *, max_tries: int) -> None:
    PoisonLedger(database.engine).failed(consumer="desk", key=key, error=KeyError("slots"),
                                         max_tries=max_tries)


def accept(database: TestDatabase, *message_ids: str) -> None:
    """Journal each message now, as the web chat does before its turn."""
    store = ChannelStore(database.engine)
    for message_id in message_ids:
        store.claim_resent(channel="webchat", message_sid=message_id, proved_by="web_token",
                           lease_seconds=60)


def messages(database: TestDatabase) -> set[str]:
    with database.engine.connect() as connection:
        return set(connection.execute(
            text("SELECT message_sid FROM channel_inbound_messages")).scalars())


def keys(database: TestDatabase) -> set[str]:
    with database.engine.connect() as connection:
        return set(connection.execute(
            text("SELECT idempotency_key FROM eng_account_writes")).scalars())


def tries(database: TestDatabase) -> set[str]:
    with database.engine.connect() as connection:
        return set(connection.execute(text("SELECT message_key FROM poison_tries")).scalars())


def test_old_keys_and_unparked_tries_go_recent_ones_and_parked_ones_stay(database):
    with time_machine.travel(WRITTEN, tick=False):
        write_keys(database, *(f"old-{n}" for n in range(5)))
        accept(database, "WCold-1", "WCold-2", "WCold-3")
        fail_on(database, "events row 1", max_tries=5)  # one try: not parked
        fail_on(database, "events row 2", max_tries=1)  # parked
    with time_machine.travel(WRITTEN + timedelta(days=6), tick=False):
        write_keys(database, "recent")
        accept(database, "WCrecent")
        fail_on(database, "events row 3", max_tries=5)

    with time_machine.travel(WRITTEN + KEEP + timedelta(minutes=1), tick=False):
        pruned = prune(engine=database.engine, keep=KEEP, batch=2)  # batches of 2, 2 and 1

    assert pruned == Pruned(account_writes=5, inbound_messages=3, poison_tries=1)
    assert keys(database) == {"recent"}
    assert messages(database) == {"WCrecent"}
    assert tries(database) == {"events row 2", "events row 3"}
    assert [item.key for item in PoisonLedger(database.engine).parked()] == ["events row 2"]


def test_keys_younger_than_the_retention_stay(database):
    with time_machine.travel(WRITTEN, tick=False):
        write_keys(database, "a-week-less-a-minute")
        accept(database, "WCa-week-less-a-minute")
        fail_on(database, "events row 1", max_tries=5)

    with time_machine.travel(WRITTEN + KEEP - timedelta(minutes=1), tick=False):
        assert prune(engine=database.engine, keep=KEEP) == Pruned(
            account_writes=0, inbound_messages=0, poison_tries=0)
    assert keys(database) == {"a-week-less-a-minute"}
    assert messages(database) == {"WCa-week-less-a-minute"}
    assert tries(database) == {"events row 1"}


async def test_the_pruning_loop_prunes_when_it_starts(database):
    """What the handoff worker runs: its first pass comes at once, not an hour later."""
    with time_machine.travel(WRITTEN, tick=False):
        write_keys(database, "old")
    with time_machine.travel(WRITTEN + timedelta(days=30), tick=True):
        pruning = asyncio.create_task(prune_forever(engine=database.engine, keep=KEEP))
        try:
            await eventually_async(lambda: not keys(database), timeout=30)
        finally:
            pruning.cancel()
            await asyncio.gather(pruning, return_exceptions=True)
