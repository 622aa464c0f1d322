"""Shared database fixtures: migrated SQLite and PostgreSQL databases, rolled-back sessions.

- ``sqlite_db`` / ``postgres_db``: a database migrated with Alembic to every head
  (a temp file; a uniquely named PostgreSQL database on 127.0.0.1:5432, dropped
  at the end of the session). ``postgres_db`` needs the local server: it fails,
  never skips, when the server is down.
- ``seeded_sqlite_db`` / ``seeded_postgres_db``: the same, plus the catalogue, the
  named demo customers and 50 synthetic ones (``careline seed``'s code).
- ``session`` / ``pg_session``: an ORM session inside a transaction that is
  rolled back after the test (SAVEPOINT pattern for SQLAlchemy 1.4), so a test
  may commit freely.
- ``TestDatabase.sessions()``: a sessionmaker whose sessions all share one
  rolled-back transaction, for services that open a session per call
  (``ProfileService(sessions=...)``).
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, AsyncIterator, Iterator

import pytest
import time_machine
from aiohttp import web
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from careline.db.migrate import upgrade
from careline.twilio_standin.app import build_app
from careline.twilio_standin.state import StandinState

if TYPE_CHECKING:
    from careline.profile.service import ProfileService

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
#: The instant the seeded databases treat as "now" (seeding is relative to it). Fixed, so a
#: seeded test reads the same calendar on any date; tests whose code reads the clock
#: itself run at it through ``at_seeded_time``, and tests/careline/test_clock.py walks the
#: awkward dates (month ends, 29 February, New Year, the UK's clock changes).
SEEDED_AT = datetime(2026, 11, 18, 10, 30, tzinfo=timezone.utc)
SEEDED_SYNTHETIC_CUSTOMERS = 50


@dataclass
class TestDatabase:
    """A migrated database and an engine whose connections support SAVEPOINTs."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    url: str
    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def sessions(self) -> Iterator[sessionmaker]:
        """Sessions sharing one transaction that is rolled back at the end.

        Each session's commit or rollback only ends a SAVEPOINT, which the
        listener reopens, so the code under test behaves as in production.
        """
        connection = self.engine.connect()
        outer = connection.begin()
        state = {"savepoint": connection.begin_nested()}
        maker = sessionmaker(bind=connection, future=True, expire_on_commit=False)

        @event.listens_for(maker, "after_transaction_end")
        def _reopen_savepoint(_session: Session, _transaction: object) -> None:
            if not state["savepoint"].is_active:
                state["savepoint"] = connection.begin_nested()

        try:
            yield maker
        finally:
            outer.rollback()
            connection.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as maker:
            session = maker()
            try:
                yield session
            finally:
                session.close()


def _sqlite_engine(url: str) -> Engine:
    """pysqlite needs its own transaction handling off for SAVEPOINTs to work."""
    engine = create_engine(url, future=True, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")

    return engine


def _migrated_sqlite(directory: Path) -> TestDatabase:
    url = f"sqlite:///{directory / 'careline.db'}"
    upgrade(url)
    return TestDatabase(url, _sqlite_engine(url))


@contextmanager
def _temporary_postgres(prefix: str) -> Iterator[TestDatabase]:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", future=True,
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = str(make_url(f"{POSTGRES_SERVER}/{name}"))
    engine = create_engine(url, future=True)
    try:
        upgrade(url)
        yield TestDatabase(url, engine)
    finally:
        engine.dispose()
        from careline.db.session import get_engine

        get_engine.cache_clear()  # engines the code under test cached for this URL
        with admin.connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def database_of_its_own(backend: str, directory: Path, prefix: str) -> Iterator[TestDatabase]:
    """A migrated, empty database for tests whose writes commit (so they cannot share a
    rolled-back one): a SQLite file in ``directory`` or a throwaway PostgreSQL database."""
    if backend == "sqlite":
        database = _migrated_sqlite(directory)
        try:
            yield database
        finally:
            database.engine.dispose()
    else:
        with _temporary_postgres(prefix) as database:
            yield database


def _seed(database: TestDatabase) -> None:
    from careline.profile.seed.runner import seed_database

    seed_database(database.url, customers=SEEDED_SYNTHETIC_CUSTOMERS, seed=7, now=SEEDED_AT)


def demo_customer_ids(profiles: ProfileService) -> dict[str, int]:
    """The named demo customers' ids by first name, found by account number as a channel
    would (the action and profile suites' ``demo`` fixtures)."""
    from careline.profile.seed.demo import DEMO_CUSTOMERS

    ids = {}
    for customer in DEMO_CUSTOMERS:
        ref = profiles.find_customer_by_account(account_number=customer.account_number)
        assert ref is not None
        ids[customer.name.split()[0]] = ref.customer_id
    return ids


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    database = _migrated_sqlite(tmp_path_factory.mktemp("sqlite_db"))
    yield database
    database.engine.dispose()


@pytest.fixture(scope="session")
def postgres_db() -> Iterator[TestDatabase]:
    with _temporary_postgres("careline_test") as database:
        yield database


@pytest.fixture(scope="session")
def seeded_sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabase]:
    database = _migrated_sqlite(tmp_path_factory.mktemp("seeded_sqlite_db"))
    _seed(database)
    yield database
    database.engine.dispose()


@pytest.fixture(scope="session")
def seeded_postgres_db() -> Iterator[TestDatabase]:
    with _temporary_postgres("careline_seeded") as database:
        _seed(database)
        yield database


@pytest.fixture
def at_seeded_time() -> Iterator[None]:
    """``careline.clock`` (every ``datetime.now``) reads SEEDED_AT, still ticking, so code
    that takes no clock argument sees the seeded databases' calendar."""
    with time_machine.travel(SEEDED_AT, tick=True):
        yield


@pytest.fixture
def session(sqlite_db: TestDatabase) -> Iterator[Session]:
    """An ORM session on the migrated SQLite database, rolled back after the test."""
    with sqlite_db.session() as db_session:
        yield db_session


@pytest.fixture
def pg_session(postgres_db: TestDatabase) -> Iterator[Session]:
    """An ORM session on the migrated PostgreSQL database, rolled back after the test."""
    with postgres_db.session() as db_session:
        yield db_session


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded_db(request: pytest.FixtureRequest) -> TestDatabase:
    """The seeded database of each backend in turn (tests run once per backend)."""
    name = "seeded_sqlite_db" if request.param == "sqlite" else "seeded_postgres_db"
    return request.getfixturevalue(name)


@dataclass
class RunningStandin:
    """The Twilio stand-in serving on a free port, with what it has "sent"."""

    state: StandinState
    url: str

    def texts_to(self, number: str) -> list[str]:
        return [m.body for m in self.state.messages if m.to.endswith(number)]


@pytest.fixture()
async def standin() -> AsyncIterator[RunningStandin]:
    state = StandinState(account_sid="ACtest", auth_token="test")
    runner = web.AppRunner(build_app(state))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield RunningStandin(state=state, url=f"http://127.0.0.1:{port}")
    await runner.cleanup()


#: An evaluation set standing in for ../shared/eval, which a clone on its own has not:
#: messages written for these tests (never training data), a bare greeting and thanks among
#: them as the real set has.
EVAL_STAND_IN = (("could you tell me what the outstanding amount on my account is",
                  "billing_balance_or_due"),
                 ("hi", "greet"), ("thanks", "thanks"))


@pytest.fixture
def eval_set(tmp_path_factory: pytest.TempPathFactory,
             monkeypatch: pytest.MonkeyPatch) -> Path:
    """CARELINE_EVAL_DIR on :data:`EVAL_STAND_IN`, in the shared evaluation set's format."""
    from careline.designer.shared_eval import EVAL_FILE

    directory = tmp_path_factory.mktemp("eval")
    rows = "".join(f"{text}\t{label}\ttests\n" for text, label in EVAL_STAND_IN)
    (directory / EVAL_FILE).write_text(f"text\tlabel\tsource\n{rows}", encoding="utf-8")
    monkeypatch.setenv("CARELINE_EVAL_DIR", str(directory))
    return directory
