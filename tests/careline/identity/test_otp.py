"""One-time codes: hashed at rest, expire, limited attempts, single use."""

from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from careline.identity.models import OneTimeCode
from careline.identity.otp import OneTimeCodeService
from careline.identity.schemas import CodeOutcome
from tests.conftest import TestDatabase

PHONE = "+447700900901"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def sessions(sqlite_db: TestDatabase) -> Iterator[sessionmaker]:
    with sqlite_db.sessions() as maker:
        yield maker


@pytest.fixture()
def codes(sessions: sessionmaker, clock: Clock) -> OneTimeCodeService:
    return OneTimeCodeService(sessions=sessions, clock=clock)


def other(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_codes_are_stored_only_as_hashes(codes, sessions):
    issued = codes.issue(customer_id=9001, purpose="sign_in", sent_to=PHONE)
    with sessions() as session:
        row = session.execute(select(OneTimeCode).where(OneTimeCode.customer_id == 9001)
                              ).scalars().one()
        assert issued.code not in (row.code_hash, row.salt)
    assert len(issued.code) == 6 and issued.code.isdigit()


def test_right_code_once_then_never_again(codes):
    issued = codes.issue(customer_id=9002, purpose="sign_in", sent_to=PHONE)
    assert codes.verify(customer_id=9002, purpose="sign_in", code=issued.code).accepted
    assert codes.verify(customer_id=9002, purpose="sign_in",
                        code=issued.code).outcome is CodeOutcome.NO_CODE


def test_wrong_codes_count_down_then_lock(codes):
    issued = codes.issue(customer_id=9003, purpose="sign_in", sent_to=PHONE)
    outcomes = [codes.verify(customer_id=9003, purpose="sign_in", code=other(issued.code))
                for _ in range(3)]
    assert [(o.outcome, o.attempts_left) for o in outcomes] == [
        (CodeOutcome.WRONG, 2), (CodeOutcome.WRONG, 1), (CodeOutcome.LOCKED, 0)]
    assert not codes.verify(customer_id=9003, purpose="sign_in", code=issued.code).accepted


def test_codes_expire(codes, clock):
    issued = codes.issue(customer_id=9004, purpose="sign_in", sent_to=PHONE)
    clock.now += timedelta(minutes=11)
    assert codes.verify(customer_id=9004, purpose="sign_in",
                        code=issued.code).outcome is CodeOutcome.EXPIRED


def test_a_new_code_retires_the_old_one_and_purposes_are_apart(codes):
    first = codes.issue(customer_id=9005, purpose="sign_in", sent_to=PHONE)
    second = codes.issue(customer_id=9005, purpose="sign_in", sent_to=PHONE)
    other_purpose = codes.issue(customer_id=9005, purpose="second_factor", sent_to=PHONE)
    if first.code != second.code:
        assert not codes.verify(customer_id=9005, purpose="sign_in", code=first.code).accepted
    assert codes.verify(customer_id=9005, purpose="sign_in", code=second.code).accepted
    assert codes.verify(customer_id=9005, purpose="second_factor",
                        code=other_purpose.code).accepted


def test_codes_sent_are_limited_per_customer_and_per_number_within_the_window(sessions, clock):
    """No SMS bombing: the sixth code within the hour, to one customer or to one phone
    shared by two customers, is not issued, and the open code still works."""
    codes = OneTimeCodeService(sessions=sessions, clock=clock, code_limit=5,
                               code_window=timedelta(minutes=60))
    issued = [codes.issue(customer_id=9101, purpose="sign_in", sent_to=PHONE)
              for _ in range(5)]
    assert None not in issued
    assert codes.issue(customer_id=9101, purpose="second_factor", sent_to="+447700900902") \
        is None
    assert codes.issue(customer_id=9102, purpose="sign_in", sent_to=PHONE) is None
    assert codes.verify(customer_id=9101, purpose="sign_in", code=issued[-1].code).accepted
    assert codes.issue(customer_id=9103, purpose="sign_in", sent_to="+447700900903")
    clock.now += timedelta(minutes=61)
    assert codes.issue(customer_id=9101, purpose="sign_in", sent_to=PHONE) is not None


@pytest.mark.postgres
def test_parallel_requests_on_separate_connections_send_no_more_than_the_limit(postgres_db):
    """Ten code requests for one customer released at once on ten connections (replicas):
    five codes, not ten."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from careline.db.session import session_scope

    customer_id, requests = 9199, 10
    codes = OneTimeCodeService(postgres_db.engine, code_limit=5,
                               code_window=timedelta(minutes=60))
    barrier = Barrier(requests)

    def one_request(_: int):
        barrier.wait()
        return codes.issue(customer_id=customer_id, purpose="sign_in", sent_to="+447700900999")

    try:
        with ThreadPoolExecutor(max_workers=requests) as pool:
            issued = list(pool.map(one_request, range(requests)))
    finally:
        with session_scope(postgres_db.engine) as session:
            session.execute(OneTimeCode.__table__.delete().where(
                OneTimeCode.customer_id == customer_id))
    assert sum(code is not None for code in issued) == 5


@pytest.mark.postgres
def test_parallel_guesses_at_one_code_spend_one_try_each(postgres_db):
    """Six wrong guesses at one code released at once on six connections: three tries
    were compared (the code's limit), never six that each read the same count."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from careline.db.session import session_scope

    customer_id, guesses = 9198, 6
    codes = OneTimeCodeService(postgres_db.engine)
    issued = codes.issue(customer_id=customer_id, purpose="sign_in", sent_to="+447700900998")
    barrier = Barrier(guesses)

    def guess(_: int):
        barrier.wait()
        return codes.verify(customer_id=customer_id, purpose="sign_in", code=other(issued.code))

    try:
        with ThreadPoolExecutor(max_workers=guesses) as pool:
            outcomes = [check.outcome for check in pool.map(guess, range(guesses))]
    finally:
        with session_scope(postgres_db.engine) as session:
            session.execute(OneTimeCode.__table__.delete().where(
                OneTimeCode.customer_id == customer_id))
    assert sorted(outcomes, key=str) == sorted(
        [CodeOutcome.WRONG, CodeOutcome.WRONG, CodeOutcome.LOCKED] + [CodeOutcome.NO_CODE] * 3,
        key=str)
