"""A database outage for tests of what an outage must not park: a PostgreSQL that refuses
connections, then the machine's real one once the outage is over."""

from __future__ import annotations

import socket

from sqlalchemy import create_engine, text

POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def refused_postgres_url() -> str:
    """A PostgreSQL URL on a port nothing listens on: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"postgresql://postgres@127.0.0.1:{probe.getsockname()[1]}/postgres"


def select_one(url: str) -> None:
    """One round trip to the database at ``url``; raises OperationalError if it is away."""
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()
