"""The lockout's record of failed checks: real rows on SQLite and PostgreSQL, a moved clock."""

from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import sessionmaker

from careline.identity.lockout import FailedCheckLockout, lock_end
from careline.identity.models import FailedCheck
from tests.conftest import TestDatabase

START = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=30)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> TestDatabase:
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "postgres_db")


@pytest.fixture()
def sessions(database: TestDatabase) -> Iterator[sessionmaker]:
    with database.sessions() as maker:
        yield maker


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def lockout(sessions: sessionmaker, clock: Clock) -> FailedCheckLockout:
    return FailedCheckLockout(sessions=sessions, clock=clock, max_failures=5, window=WINDOW)


def fail(lockout: FailedCheckLockout, clock: Clock, times: int, *, every: timedelta,
         customer_id: int = 7001, purpose: str = "second_factor") -> list:
    results = []
    for _ in range(times):
        claimed = lockout.claim_try(customer_id=customer_id, purpose=purpose)
        results.append(claimed.refused_by or claimed.lock_if_wrong)
        clock.now += every
    return results


def test_lock_end_needs_the_limit_within_one_window_and_lasts_a_window_from_the_last():
    minutes = [START + timedelta(minutes=m) for m in (29, 20, 10, 5, 0)]
    assert lock_end(minutes, max_failures=5, window=WINDOW) == START + timedelta(minutes=59)
    assert lock_end(minutes[:4], max_failures=5, window=WINDOW) is None
    spread = [START + timedelta(minutes=m) for m in (30, 20, 10, 5, 0)]
    assert lock_end(spread, max_failures=5, window=WINDOW) is None


def test_the_fifth_failure_within_the_window_locks_the_customer(lockout, clock):
    results = fail(lockout, clock, 5, every=timedelta(minutes=5))
    assert results[:4] == [None] * 4
    locked = results[4]
    assert (locked.customer_id, locked.purpose) == (7001, "second_factor")
    assert locked.until == START + timedelta(minutes=20) + WINDOW
    assert lockout.current(customer_id=7001, purpose="second_factor") == locked
    assert lockout.current(customer_id=7001, purpose="sign_in") is None  # purposes apart
    assert lockout.current(customer_id=7002, purpose="second_factor") is None


def test_failures_spread_wider_than_the_window_never_lock(lockout, clock):
    assert fail(lockout, clock, 12, every=timedelta(minutes=8)) == [None] * 12


def test_the_lock_ends_when_the_window_has_passed_and_the_count_starts_again(lockout, clock):
    locked = fail(lockout, clock, 5, every=timedelta(minutes=1))[-1]
    clock.now = locked.until - timedelta(seconds=1)
    assert lockout.current(customer_id=7001, purpose="second_factor") == locked
    clock.now = locked.until
    assert lockout.current(customer_id=7001, purpose="second_factor") is None
    assert fail(lockout, clock, 4, every=timedelta(minutes=1)) == [None] * 4


def test_a_passed_check_clears_the_count(lockout, clock, sessions):
    fail(lockout, clock, 4, every=timedelta(minutes=1))
    lockout.clear(customer_id=7001, purpose="second_factor")
    assert fail(lockout, clock, 4, every=timedelta(minutes=1)) == [None] * 4
    with sessions() as session:
        rows = session.execute(select(FailedCheck).where(FailedCheck.customer_id == 7001)
                               ).scalars().all()
    assert len(rows) == 4


def test_only_when_a_check_failed_is_stored_and_old_failures_are_forgotten(lockout, clock,
                                                                           sessions):
    fail(lockout, clock, 3, every=timedelta(minutes=1))
    clock.now += 2 * WINDOW
    fail(lockout, clock, 1, every=timedelta(minutes=1))
    with sessions() as session:
        rows = session.execute(select(FailedCheck).where(FailedCheck.customer_id == 7001)
                               ).scalars().all()
        columns = {column.key for column in inspect(FailedCheck).columns}
    assert columns == {"id", "customer_id", "purpose", "failed_at"}
    assert [row.failed_at for row in rows] == [START + timedelta(minutes=3) + 2 * WINDOW]


def test_limits_come_from_the_settings(sessions, monkeypatch):
    from careline.settings import reset_settings

    monkeypatch.setenv("CARELINE_IDENTITY_LOCKOUT_MAX_FAILURES", "2")
    monkeypatch.setenv("CARELINE_IDENTITY_LOCKOUT_WINDOW_MINUTES", "10")
    reset_settings()
    try:
        clock = Clock()
        lockout = FailedCheckLockout(sessions=sessions, clock=clock)
        locked = fail(lockout, clock, 2, every=timedelta(minutes=1), customer_id=7003)[-1]
    finally:
        reset_settings()
    assert locked is not None and locked.until == START + timedelta(minutes=11)


def test_a_refused_try_is_not_counted_and_a_withdrawn_one_is_forgotten(lockout, clock, sessions):
    locked = fail(lockout, clock, 5, every=timedelta(minutes=1))[-1]
    refused = lockout.claim_try(customer_id=7001, purpose="second_factor")
    assert (refused.failure_id, refused.refused_by) == (None, locked)
    lockout.clear(customer_id=7001, purpose="second_factor")
    claimed = lockout.claim_try(customer_id=7001, purpose="second_factor")
    lockout.withdraw(claimed)
    with sessions() as session:
        assert session.execute(select(FailedCheck).where(FailedCheck.customer_id == 7001)
                               ).scalars().all() == []


@pytest.mark.postgres
def test_parallel_tries_on_separate_connections_never_pass_the_limit(postgres_db):
    """Twelve tries released at once on twelve connections (as from replicas and new web
    chats): only five are let through to be compared, the rest find the lock."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from careline.db.session import session_scope

    customer_id, tries = 7999, 12
    lockout = FailedCheckLockout(postgres_db.engine, max_failures=5, window=WINDOW)
    barrier = Barrier(tries)

    def one_try(_: int):
        barrier.wait()
        return lockout.claim_try(customer_id=customer_id, purpose="second_factor")

    try:
        with ThreadPoolExecutor(max_workers=tries) as pool:
            claims = list(pool.map(one_try, range(tries)))
    finally:
        with session_scope(postgres_db.engine) as session:
            session.execute(FailedCheck.__table__.delete().where(
                FailedCheck.customer_id == customer_id))
    assert sum(claim.failure_id is not None for claim in claims) == 5
    assert sum(claim.refused_by is not None for claim in claims) == tries - 5
