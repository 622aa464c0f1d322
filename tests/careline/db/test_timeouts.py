"""A database timeout means nothing was written: run_blocking's caller and its thread agree
on who wins, and the server bounds how long the thread goes on."""

from __future__ import annotations

import asyncio
import threading
from typing import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from careline.db.session import get_engine, run_blocking, session_scope
from careline.settings import reset_settings
from tests.eventually import eventually


@pytest.fixture
def tables(postgres_db) -> Iterator[Engine]:
    """A locked row to wait on and a table the waiting write also inserts into."""
    with postgres_db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE probe_locked (id int PRIMARY KEY, n int)"))
        connection.execute(text("INSERT INTO probe_locked VALUES (1, 0)"))
        connection.execute(text("CREATE TABLE probe_written (note text)"))
    yield postgres_db.engine
    with postgres_db.engine.begin() as connection:
        connection.execute(text("DROP TABLE probe_locked, probe_written"))


def write_through_the_lock(engine: Engine, finished: threading.Event) -> None:
    """Insert a row, then update the row another connection holds FOR UPDATE."""
    try:
        with session_scope(engine) as session:
            session.execute(text("INSERT INTO probe_written VALUES ('written')"))
            session.execute(text("UPDATE probe_locked SET n = n + 1 WHERE id = 1"))
    finally:
        finished.set()


def written(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return (connection.execute(text("SELECT count(*) FROM probe_written")).scalar_one(),
                connection.execute(text("SELECT n FROM probe_locked")).scalar_one())


@pytest.mark.postgres
async def test_a_write_that_outlives_its_caller_is_rolled_back(postgres_db, tables) -> None:
    engine = get_engine(postgres_db.url)
    finished = threading.Event()
    with tables.connect() as locker:
        locker.begin()
        locker.execute(text("SELECT * FROM probe_locked WHERE id = 1 FOR UPDATE"))
        with pytest.raises(asyncio.TimeoutError):
            await run_blocking(lambda: write_through_the_lock(engine, finished), timeout=0.5)
        assert not finished.is_set()  # the thread still waits on the lock
        locker.commit()  # the lock goes; the write's statements now succeed
    await asyncio.to_thread(eventually, finished.is_set, timeout=30)
    assert written(tables) == (0, 0)


@pytest.mark.postgres
async def test_a_write_in_time_commits(postgres_db, tables) -> None:
    """The same write, unhindered: committed (so the test above can fail)."""
    engine = get_engine(postgres_db.url)
    finished = threading.Event()
    await run_blocking(lambda: write_through_the_lock(engine, finished), timeout=10)
    assert written(tables) == (1, 1)


@pytest.mark.postgres
async def test_the_server_cancels_a_statement_held_past_the_statement_timeout(
        postgres_db, tables, monkeypatch) -> None:
    """The thread a caller left behind does not wait on a lock for ever."""
    monkeypatch.setenv("CARELINE_DB_STATEMENT_TIMEOUT_SECONDS", "1")
    reset_settings()
    get_engine.cache_clear()
    try:
        engine = get_engine(postgres_db.url)
        with engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "1s"
        with tables.connect() as locker:
            locker.begin()
            locker.execute(text("SELECT * FROM probe_locked WHERE id = 1 FOR UPDATE"))
            with pytest.raises(OperationalError, match="statement timeout"):
                await run_blocking(lambda: write_through_the_lock(engine, threading.Event()),
                                   timeout=30)
            locker.rollback()
        assert written(tables) == (0, 0)
    finally:
        engine.dispose()
        get_engine.cache_clear()
        reset_settings()


def test_sqlite_waits_for_a_lock_no_longer_than_the_statement_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("CARELINE_DB_STATEMENT_TIMEOUT_SECONDS", "0.2")
    reset_settings()
    url = f"sqlite:///{tmp_path / 'careline.db'}"
    engine = get_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (n int)"))
        with engine.connect() as holder:
            holder.execute(text("BEGIN IMMEDIATE"))
            with pytest.raises(OperationalError, match="database is locked"):
                with session_scope(engine) as session:
                    session.execute(text("INSERT INTO t VALUES (1)"))
            holder.execute(text("ROLLBACK"))
    finally:
        engine.dispose()
        get_engine.cache_clear()
        reset_settings()
