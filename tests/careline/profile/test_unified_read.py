"""The one-statement profile read gives the very profile the per-silo reads give.

``get_profile`` reads every silo in one JSON-aggregating statement
(``careline.profile.repositories.unified``), decoding dates, money, booleans and
UTC datetimes from JSON itself; the per-silo reads (still used by ``balance``,
``outages_for_customer``, ``recent_interactions`` …) decode them through the driver.
Both must agree for every demo customer, on SQLite and PostgreSQL, and after a
customer gains a long history (arrangement, second line, add-on, many contacts).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from careline.profile.schemas import Channel, CustomerNotFound, UnifiedProfile
from careline.profile.service import BILLS_FOR_BALANCE, USAGE_HISTORY_CYCLES, ProfileService
from careline.profile.silos.sql import SqlBills, SqlEngagement, SqlUsage
from tests.careline.profile.test_lookup_statements import _add_years_of_history
from tests.conftest import SEEDED_AT

TODAY = SEEDED_AT.date()


def _per_silo_profile(service: ProfileService, sessions,  # type: ignore[no-untyped-def]
                      customer_id: int) -> UnifiedProfile:
    """The profile as the per-silo reads compose it (nine statements)."""
    customer = service.get_customer(customer_id=customer_id)
    with sessions() as session:
        bills = SqlBills(session, TODAY).bills(account_number=customer.account_number,
                                               limit=BILLS_FOR_BALANCE)
        lines = SqlUsage(session).lines(customer_id=customer_id, today=TODAY,
                                        history=USAGE_HISTORY_CYCLES)
        open_cases = SqlEngagement(session).open_cases(customer_id=customer_id)
    return UnifiedProfile(
        customer=customer, lines=lines, balance=service.balance(customer_id=customer_id),
        latest_invoice=bills[0] if bills else None,
        outages=service.outages_for_customer(customer_id=customer_id),
        recent_interactions=service.recent_interactions(customer_id=customer_id, limit=5),
        open_cases=open_cases)


@pytest.fixture
def reads(seeded_db, settings):  # type: ignore[no-untyped-def]
    with seeded_db.sessions() as sessions:
        yield ProfileService(sessions=sessions, settings=settings,
                             clock=lambda: SEEDED_AT), sessions


def test_every_demo_customer_reads_the_same_in_one_statement(reads):  # type: ignore[no-untyped-def]
    from careline.profile.seed.demo import DEMO_CUSTOMERS

    service, sessions = reads
    seen_outage = seen_unpaid = False
    for demo in DEMO_CUSTOMERS:
        ref = service.find_customer_by_account(account_number=demo.account_number)
        profile = service.get_profile(customer_id=ref.customer_id)
        assert profile == _per_silo_profile(service, sessions, ref.customer_id), demo.name
        seen_outage |= bool(profile.outages and profile.outages[0].services)
        seen_unpaid |= profile.balance.amount_due > 0
    # the comparison covered incidents with services and money owed, not only empty parts
    assert seen_outage and seen_unpaid


def test_a_long_history_reads_the_same_in_one_statement(reads):  # type: ignore[no-untyped-def]
    service, sessions = reads
    customer_id = service.find_customer(channel="sms", address="+447700900107").customer_id
    _add_years_of_history(sessions, customer_id)
    for number in range(12):
        service.record_interaction(customer_id=customer_id, channel=Channel.SMS,
                                   summary=f"contact {number}", intent="ask_bill",
                                   occurred_at=SEEDED_AT - timedelta(minutes=number * 7,
                                                                     microseconds=number))
    service.report_fault(customer_id=customer_id, description="no signal")

    profile = service.get_profile(customer_id=customer_id)
    assert profile == _per_silo_profile(service, sessions, customer_id)
    assert profile.balance.arrangement is not None and len(profile.lines) == 2


def test_an_unknown_customer_is_not_found(reads):  # type: ignore[no-untyped-def]
    service, _ = reads
    with pytest.raises(CustomerNotFound):
        service.get_profile(customer_id=10_000_000)


@pytest.mark.postgres
def test_postgres_prepares_the_read_again_on_a_new_connection(seeded_postgres_db, settings):
    """The statement is prepared once per connection: after the server drops every
    connection, the pool's next connection prepares it again and the read still works."""
    from sqlalchemy import text

    from careline.db.session import get_engine, get_read_engine

    url = f"{seeded_postgres_db.url}?application_name=careline_prepare_test"
    service = ProfileService(get_engine(url), settings=settings, clock=lambda: SEEDED_AT)
    customer_id = service.find_customer(channel="sms", address="+447700900107").customer_id
    before = service.get_profile(customer_id=customer_id)
    with seeded_postgres_db.engine.connect() as admin:
        dropped = admin.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'careline_prepare_test'")).scalars().all()
    assert dropped == [True]
    try:
        assert service.get_profile(customer_id=customer_id) == before
    finally:
        get_engine(url).dispose()
        get_read_engine(url).dispose()
