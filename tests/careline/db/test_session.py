"""Embedded SQLite connections: foreign keys enforced, WAL, commits without an fsync each;
PostgreSQL's read engine: autocommit and read-only."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from careline.db.session import get_engine, get_read_engine, session_factory, session_scope


def test_every_pooled_sqlite_connection_is_wal_normal_with_foreign_keys(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'careline.db'}")
    try:
        connections = [engine.connect() for _ in range(3)]
        for connection in connections:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        for connection in connections:
            connection.close()
    finally:
        engine.dispose()
        get_engine.cache_clear()


@pytest.mark.postgres
def test_postgres_read_engine_refuses_writes_and_opens_no_transaction(postgres_db) -> None:
    """Reads run without psycopg2's BEGIN/ROLLBACK, and the server itself refuses a write."""
    engine = get_read_engine(postgres_db.url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW transaction_read_only")).scalar() == "on"
            assert connection.connection.dbapi_connection.autocommit
            with pytest.raises(DBAPIError, match="read-only transaction"):
                connection.execute(text("CREATE TABLE careline_read_engine_probe (n int)"))
    finally:
        engine.dispose()
        get_engine.cache_clear()


def test_sqlite_reads_share_the_one_engine(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'careline.db'}"
    try:
        assert get_read_engine(url) is get_engine(url)
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()


def test_an_engine_has_one_session_class_for_its_life(tmp_path: Path) -> None:
    """A sessionmaker per call made SQLAlchemy build a Session subclass's event dispatch
    for every transaction."""
    engine = get_engine(f"sqlite:///{tmp_path / 'one.db'}")
    other = get_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        assert session_factory(engine) is session_factory(engine)
        assert session_factory(other) is not session_factory(engine)
        with session_scope(engine) as first, session_scope(engine) as second:
            assert type(first) is type(second) and first is not second
            assert first.bind is engine
    finally:
        engine.dispose()
        other.dispose()
        get_engine.cache_clear()
