"""A profile lookup costs a small, fixed number of SQL statements, whatever the history.

``find_customer`` + ``get_profile`` is what every conversation turn with a
known customer pays (issue #27: p95 under 2 ms at 1 M customers). Its cost is
dominated by round trips and per-statement overhead, so these tests count the
statements on both backends, before and after giving a customer years of
history, a second line, add-ons, an arrangement and many cases. No timings.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Iterator

import pytest
from sqlalchemy import event, select

from careline.profile import models
from careline.profile.schemas import ArrangementStatus, Channel
from careline.profile.seed.builder import month_end, month_start
from careline.profile.service import USAGE_HISTORY_CYCLES, ProfileService
from tests.conftest import SEEDED_AT, TestDatabase

#: find_customer 1 + get_profile 1 (every silo aggregated in one statement,
#: careline.profile.repositories.unified).
MAX_LOOKUP_STATEMENTS = 2
TODAY = SEEDED_AT.date()


@pytest.fixture
def database(seeded_db: TestDatabase, settings) -> Iterator[tuple[ProfileService, object]]:
    """A service and its sessionmaker sharing one rolled-back transaction."""
    with seeded_db.sessions() as sessions:
        yield ProfileService(sessions=sessions, settings=settings, clock=lambda: SEEDED_AT), \
            sessions


@contextmanager
def statements(seeded_db: TestDatabase) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block (savepoints aside, and
    PostgreSQL's PREPARE of the profile statement, sent once per connection)."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        if "SAVEPOINT" not in statement.upper() and not statement.startswith("PREPARE"):
            sent.append(statement)

    event.listen(seeded_db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(seeded_db.engine, "before_cursor_execute", record)


def lookup(service: ProfileService, number: str):  # type: ignore[no-untyped-def]
    ref = service.find_customer(channel="sms", address=number)
    return service.get_profile(customer_id=ref.customer_id)


@pytest.mark.parametrize("number", ["+447700900101", "+447700900107", "+447700900104"])
def test_a_lookup_is_a_few_selects_and_writes_nothing(seeded_db, database, number):
    service, _ = database
    with statements(seeded_db) as sent:
        lookup(service, number)
    assert 0 < len(sent) <= MAX_LOOKUP_STATEMENTS, sent
    assert all(s.lstrip().upper().startswith(("SELECT", "EXECUTE")) for s in sent), sent


def test_the_statement_count_does_not_grow_with_history(seeded_db, database):
    service, sessions = database
    with statements(seeded_db) as sent:
        lookup(service, "+447700900107")
    before = len(sent)

    customer_id = service.find_customer(channel="sms", address="+447700900107").customer_id
    _add_years_of_history(sessions, customer_id)
    for number in range(30):
        service.record_interaction(customer_id=customer_id, channel=Channel.SMS,
                                   summary=f"contact {number}", intent="ask_bill",
                                   occurred_at=SEEDED_AT - timedelta(hours=number + 1))
    for number in range(4):
        service.report_fault(customer_id=customer_id, description=f"fault {number}")

    with statements(seeded_db) as sent:
        profile = lookup(service, "+447700900107")
    assert len(sent) == before, sent

    # The history is there, but the profile reads only the bounded part it shows.
    assert len(profile.lines) == 2
    primary, second = profile.lines
    assert len(primary.usage.history) == USAGE_HISTORY_CYCLES
    assert primary.usage.current.cycle_start == month_start(TODAY)
    assert [c.cycle_start for c in primary.usage.history] == [
        month_start(TODAY, back) for back in range(1, USAGE_HISTORY_CYCLES + 1)]
    assert second.msisdn == "+447700900177" and second.usage is None
    assert [a.add_on.code for a in second.add_ons] == ["ROAM-EU-MONTH"]
    assert len(profile.recent_interactions) == 5
    assert profile.recent_interactions[0].summary == "contact 0"
    assert len(profile.open_cases) == 5  # the seeded one and four new ones
    arrangement = profile.balance.arrangement
    assert arrangement.status is ArrangementStatus.ACTIVE
    assert [amount for _, amount in arrangement.schedule] == [D("20.00")] * 3
    assert profile.latest_invoice.invoice_number != "INV-OLD-00"


def _add_years_of_history(sessions, customer_id: int) -> None:  # type: ignore[no-untyped-def]
    """Two years of usage cycles and bills, a second line with an add-on, an arrangement."""
    with sessions() as session:
        line = session.execute(select(models.Line).where(models.Line.customer_id == customer_id)
                               .order_by(models.Line.id)).scalars().first()
        account = session.execute(select(models.BillingAccount).where(
            models.BillingAccount.customer_id == customer_id)).scalar_one()
        known = set(session.execute(select(models.UsageCycleRow.cycle_start)
                                    .where(models.UsageCycleRow.line_id == line.id)).scalars())
        for back in range(1, 25):
            start = month_start(TODAY, back)
            if start not in known:
                session.add(models.UsageCycleRow(
                    line_id=line.id, cycle_start=start, cycle_end=month_end(start),
                    data_gb=D("10.000"), minutes=100, texts=10, roaming_data_gb=D("0")))
            if back > 4:  # older than the seeded bills
                invoice = models.Invoice(
                    account_id=account.id, invoice_number=f"INV-OLD-{back:02d}",
                    period_start=start, period_end=month_end(start),
                    issued_on=month_end(start) + timedelta(days=1),
                    due_on=month_end(start) + timedelta(days=15), total=D("30.00"),
                    amount_paid=D("30.00"))
                invoice.lines = [models.InvoiceLineRow(category="plan", description="Plan",
                                                       amount=D("25.00")),
                                 models.InvoiceLineRow(category="tax", description="VAT",
                                                       amount=D("5.00"))]
                session.add(invoice)
                session.add(models.Payment(account_id=account.id, paid_on=start, amount=D("30"),
                                           method="card"))
        second = models.Line(customer_id=customer_id, msisdn="+447700900177",
                             plan_id=line.plan_id, started_on=date(2024, 1, 1))
        session.add(second)
        session.flush()
        pass_id = session.execute(select(models.AddOn.id).where(
            models.AddOn.code == "ROAM-EU-MONTH")).scalar_one()
        session.add(models.LineAddOn(line_id=second.id, add_on_id=pass_id,
                                     starts_on=TODAY - timedelta(days=2),
                                     ends_on=TODAY + timedelta(days=28), price=D("20.00")))
        arrangement = models.Arrangement(account_id=account.id, reference="PA-TEST0001",
                                         kind="instalments", status="active",
                                         amount=D("60.00"), created_on=TODAY)
        arrangement.instalments = [
            models.ArrangementInstalment(due_on=TODAY + timedelta(days=30 * n), amount=D("20"))
            for n in range(1, 4)]
        session.add(arrangement)
        session.commit()
