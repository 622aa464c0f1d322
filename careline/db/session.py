"""Engines and sessions: one engine per URL, one short session per call.

Repository functions take an explicit ``session``; services open one with
:func:`session_scope` for each call and never share it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
import weakref
from contextlib import contextmanager
from typing import Any, Callable, ContextManager, Iterator, Optional, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from careline.settings import get_settings

T = TypeVar("T")
logger = logging.getLogger(__name__)


def get_engine(url: Optional[str] = None) -> Engine:
    """The engine for ``url`` (default: the settings' database), created once per URL."""
    return _engine_for(url or get_settings().resolved_database_url, reads_only=False)


def get_read_engine(url: Optional[str] = None) -> Engine:
    """An engine for read paths: on PostgreSQL its connections run every statement in
    autocommit and read-only (``default_transaction_read_only``, so the server refuses a
    write); elsewhere it is :func:`get_engine`'s.

    A read in the ordinary engine pays two round trips for psycopg2's ``BEGIN`` and the
    ``ROLLBACK`` that ends it; a one-statement read gains nothing from the transaction
    (each statement sees one snapshot at READ COMMITTED either way). Its pool is separate,
    so a process holds up to twice the connections.
    """
    url = url or get_settings().resolved_database_url
    return _engine_for(url, reads_only=not url.startswith("sqlite"))


@functools.lru_cache(maxsize=16)
def _engine_for(url: str, *, reads_only: bool) -> Engine:
    statement_timeout = get_settings().db_statement_timeout_seconds
    if url.startswith("sqlite"):
        # SQLAlchemy 1.4 opens a new SQLite connection per session by default;
        # a pool keeps connections (and their page cache) between calls.
        engine = create_engine(
            url, future=True, poolclass=QueuePool, pool_size=5, max_overflow=10,
            connect_args={"check_same_thread": False, "timeout": statement_timeout},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        options = f"-c statement_timeout={round(statement_timeout * 1000)}"
        if reads_only:
            engine = create_engine(
                url, future=True, pool_pre_ping=True, pool_size=10,
                isolation_level="AUTOCOMMIT",
                connect_args={"options": f"{options} -c default_transaction_read_only=on"})
        else:
            engine = create_engine(url, future=True, pool_pre_ping=True, pool_size=10,
                                   connect_args={"options": options})
    return engine


#: Tests forget cached engines between databases with ``get_engine.cache_clear()``.
get_engine.cache_clear = _engine_for.cache_clear  # type: ignore[attr-defined]


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """Foreign keys on; WAL with ``synchronous=NORMAL`` so a commit is not an fsync.

    The embedded database takes several small writes per turn (MessageSid claims,
    routes, deliveries); with an fsync each they queued behind the disk. In WAL
    mode NORMAL stays consistent and survives a crash of the process; only an
    operating-system crash or power cut can undo the last commits.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: One sessionmaker per engine, for the engine's life.
_FACTORIES: weakref.WeakKeyDictionary[Engine, sessionmaker] = weakref.WeakKeyDictionary()
_FACTORIES_LOCK = threading.Lock()


def session_factory(engine: Optional[Engine] = None) -> sessionmaker:
    """The sessionmaker of ``engine`` (default: the settings' database), made once.

    Every ``sessionmaker`` defines a Session subclass, whose event dispatch SQLAlchemy
    builds on its first session: one per call cost the Twilio edge a twelfth of its CPU.
    """
    bound = engine or get_engine()
    with _FACTORIES_LOCK:
        factory = _FACTORIES.get(bound)
        if factory is None:
            factory = _FACTORIES[bound] = sessionmaker(bind=bound, future=True,
                                                      expire_on_commit=False)
        return factory


@contextmanager
def committing(sessions: Callable[[], Session]) -> Iterator[Session]:
    """A session from ``sessions`` committed on success, rolled back on any error."""
    session = sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def session_scope(engine: Optional[Engine] = None) -> ContextManager[Session]:
    """A session of ``engine`` (default: the settings' database) that commits on success."""
    return committing(session_factory(engine))


class CallerGaveUp(TimeoutError):
    """Raised instead of a commit whose :func:`run_blocking` caller has already timed out."""


class _Deadline:
    """Who wins when a caller's timeout and its thread's first commit meet.

    The caller gives up only while no commit has begun; once one has, the caller waits for
    the work to finish instead. Either way a timeout means nothing was committed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = "open"  # open → committing, or open → abandoned

    def give_up(self) -> bool:
        """Abandon the work unless a commit has begun; whether it was abandoned."""
        with self._lock:
            if self._state == "open":
                self._state = "abandoned"
            return self._state == "abandoned"

    def begin_commit(self) -> None:
        with self._lock:
            if self._state == "abandoned":
                raise CallerGaveUp("the caller timed out; rolled back instead of committing")
            self._state = "committing"


_DEADLINE: contextvars.ContextVar[Optional[_Deadline]] = contextvars.ContextVar(
    "careline_db_deadline", default=None)


def _commit_only_for_a_waiting_caller(connection: Any) -> None:
    """Every commit on any Careline engine, at the DBAPI commit (after the flush, which may
    wait on a lock): refused when run inside :func:`run_blocking` for a caller that has gone."""
    deadline = _DEADLINE.get()
    if deadline is not None:
        deadline.begin_commit()


event.listen(Engine, "commit", _commit_only_for_a_waiting_caller)


async def run_blocking(fn: Callable[[], T], *, timeout: Optional[float] = None) -> T:
    """Run blocking database work in a thread so the event loop keeps serving.

    Bounded by ``timeout`` (default: the settings' database timeout) so a
    stuck database gives an error the caller can turn into a polite answer.
    A thread cannot be stopped, so the timeout travels with it: a commit
    after the caller gave up is rolled back (:class:`_Deadline`), and a
    commit already under way makes the caller wait for it. A timeout therefore
    always means that nothing was written (so does a cancelled caller, unless
    a commit had begun); PostgreSQL's ``statement_timeout`` bounds how long
    the thread goes on.
    """
    limit = timeout if timeout is not None else get_settings().db_timeout_seconds
    deadline = _Deadline()

    def call() -> T:
        _DEADLINE.set(deadline)  # to_thread runs ``call`` in a copy of the context
        return fn()

    work = asyncio.ensure_future(asyncio.to_thread(call))
    try:
        # asyncio.wait, not wait_for: Python 3.10's wait_for swallows a cancellation that
        # arrives as the work completes, and a cancelled loop would then never stop.
        done, _ = await asyncio.wait({work}, timeout=limit)
    except asyncio.CancelledError:
        deadline.give_up()  # whatever its answer, no one is left to wait for the work
        work.add_done_callback(_log_abandoned)
        raise
    if done:
        return work.result()
    if deadline.give_up():
        work.add_done_callback(_log_abandoned)
        raise asyncio.TimeoutError()
    return await work  # a commit began in time: its outcome is the answer


def _log_abandoned(work: asyncio.Future[Any]) -> None:
    """Retrieve the outcome of work whose caller left, so asyncio does not warn about it."""
    if work.cancelled():
        return
    error = work.exception()
    if isinstance(error, CallerGaveUp):
        logger.warning("database work finished after its caller timed out; rolled back")
    elif error is not None:
        logger.warning("database work failed after its caller timed out: %r", error)
