"""Embedded SQLite connections: foreign keys enforced, WAL, commits without an fsync each."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from careline.db.session import get_engine


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
