"""Keyed account writes: the turn's key, and one write for one key under a race."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pytest
from sqlalchemy import delete, func, select

from careline.db.session import get_engine, session_scope
from careline.profile import models
from careline.profile.idempotency import turn_key
from careline.profile.schemas import CaseRef, InvalidRequest
from careline.profile.seed.demo import DEMO_CUSTOMERS
from careline.profile.service import ProfileService
from tests.conftest import TestDatabase

USER = {"event": "user", "text": "yes", "message_id": "SM1", "timestamp": 1765000000.5}


def key(events: list[dict], conversation: str = "c1", write: str = "dispute") -> str | None:
    return turn_key(conversation_id=conversation, events=events, write=write)


def test_the_turn_is_its_latest_user_message():
    first = key([USER])
    assert first == key([USER, {"event": "bot", "text": "Opened DSP-1"}])  # a retry
    assert first != key([USER, {**USER, "message_id": "SM2"}])  # the next message
    assert first != key([USER], conversation="c2")
    assert first != key([USER], write="fault")


def test_a_message_without_an_id_is_told_apart_by_its_timestamp():
    untitled = {**USER, "message_id": None}
    assert key([untitled]) == key([untitled])
    assert key([untitled]) != key([{**untitled, "timestamp": 1765000001.5}])


def test_no_user_message_no_key():
    assert key([]) is None
    assert key([{"event": "user", "text": "hi"}]) is None


@pytest.fixture()
def service(seeded_postgres_db: TestDatabase) -> Iterator[ProfileService]:
    """The service on the seeded PostgreSQL database with production's engines, committing
    for real (threads cannot share one rolled-back transaction); its rows are removed after."""
    yield ProfileService(get_engine(seeded_postgres_db.url))
    with session_scope(get_engine(seeded_postgres_db.url)) as session:
        session.execute(delete(models.Case).where(models.Case.summary.like("race %"))
                        .execution_options(synchronize_session=False))
        session.execute(delete(models.AccountWrite))


def customer_id(service: ProfileService, index: int) -> int:
    ref = service.find_customer_by_account(account_number=DEMO_CUSTOMERS[index].account_number)
    assert ref is not None
    return ref.customer_id


def cases(url: str, summary: str) -> int:
    with session_scope(get_engine(url)) as session:
        return session.execute(select(func.count()).select_from(models.Case)
                               .where(models.Case.summary == summary)).scalar_one()


@pytest.mark.postgres
def test_threads_with_one_key_at_once_make_one_case_on_postgres(service, seeded_postgres_db):
    url = seeded_postgres_db.url
    tom, threads = customer_id(service, 1), 8
    start = threading.Barrier(threads)

    def report(key: str) -> CaseRef:
        start.wait()
        return service.report_fault(customer_id=tom, description="race one key",
                                    idempotency_key=key)

    with ThreadPoolExecutor(threads) as pool:
        refs = list(pool.map(report, ["fault-race-1"] * threads))
    assert len({ref.reference for ref in refs}) == 1
    assert cases(url, "race one key") == 1

    start.reset()
    with ThreadPoolExecutor(threads) as pool:  # another turn each: a case each
        refs = list(pool.map(report, [f"fault-race-2-{n}" for n in range(threads)]))
    assert len({ref.reference for ref in refs}) == threads
    assert cases(url, "race one key") == 1 + threads


@pytest.mark.postgres
def test_a_key_is_never_answered_for_another_customer(service, seeded_postgres_db):
    service.report_fault(customer_id=customer_id(service, 0), description="race Priya's",
                         idempotency_key="fault-shared")
    with pytest.raises(InvalidRequest):
        service.report_fault(customer_id=customer_id(service, 1), description="race Tom's",
                             idempotency_key="fault-shared")
    assert cases(seeded_postgres_db.url, "race Tom's") == 0
