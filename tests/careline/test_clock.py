"""The date-sensitive parts on awkward dates, with careline.clock frozen by time-machine.

Each instant is seeded afresh on SQLite and PostgreSQL *at* that instant (the seed reads the
clock), then read back through the services with no clock argument, so every "today" comes
from careline.clock. Expected values come from the rows and from London's wall clock written
out by hand below, never from the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Iterator

import pytest
import time_machine
from sqlalchemy import select

from actions.formatting import day
from careline import clock
from careline.handoff.policy import load_policy
from careline.handoff.service_hours import window_at
from careline.profile import models
from careline.profile.schemas import ArrangementKind
from careline.profile.seed.runner import seed_database
from careline.profile.service import ProfileService
from careline.proactive.policy import ContactPolicy, in_quiet_hours
from careline.settings import reset_settings
from tests.careline.profile.bills import unpaid_bills
from tests.conftest import TestDatabase, database_of_its_own

UTC = timezone.utc


@dataclass(frozen=True)
class Moment:
    """An instant, and London's wall clock at it as a person would read it."""

    instant: datetime
    london_date: date
    london_time: time

    @property
    def london_weekday(self) -> int:
        return self.london_date.isoweekday()


MOMENTS = {
    "last-day-of-april": Moment(datetime(2027, 4, 30, 12, 0, tzinfo=UTC),
                                date(2027, 4, 30), time(13, 0)),
    "first-day-of-may": Moment(datetime(2027, 5, 1, 7, 15, tzinfo=UTC),
                               date(2027, 5, 1), time(8, 15)),
    "29-february": Moment(datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
                          date(2028, 2, 29), time(12, 0)),
    "new-years-eve": Moment(datetime(2026, 12, 31, 23, 59, 30, tzinfo=UTC),
                            date(2026, 12, 31), time(23, 59, 30)),
    "new-years-day": Moment(datetime(2027, 1, 1, 0, 0, 30, tzinfo=UTC),
                            date(2027, 1, 1), time(0, 0, 30)),
    # 28 March 2027: London goes from 01:00 GMT to 02:00 BST
    "spring-forward-before": Moment(datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
                                    date(2027, 3, 28), time(0, 30)),
    "spring-forward-after": Moment(datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
                                   date(2027, 3, 28), time(2, 30)),
    # 25 October 2026: London goes from 02:00 BST back to 01:00 GMT; 01:30 happens twice
    "fall-back-first-0130": Moment(datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
                                   date(2026, 10, 25), time(1, 30)),
    "fall-back-second-0130": Moment(datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
                                    date(2026, 10, 25), time(1, 30)),
    # still 30 June in UTC, already 1 July in London: the month turns on London's calendar
    "summer-midnight-month-turn": Moment(datetime(2027, 6, 30, 23, 30, tzinfo=UTC),
                                         date(2027, 7, 1), time(0, 30)),
}


@pytest.fixture(autouse=True)
def london(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CARELINE_TIMEZONE", "Europe/London")
    reset_settings()
    yield
    reset_settings()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request: pytest.FixtureRequest, tmp_path) -> Iterator[TestDatabase]:  # type: ignore[no-untyped-def]
    """A migrated database with no rows yet, of each backend in turn."""
    with database_of_its_own(request.param, tmp_path, "careline_clock") as database:
        yield database


@pytest.mark.parametrize("name", MOMENTS)
def test_the_clock_reads_londons_calendar(name: str) -> None:
    moment = MOMENTS[name]
    with time_machine.travel(moment.instant, tick=False):
        assert clock.now() == moment.instant and clock.now().tzinfo is not None
        assert clock.today() == moment.london_date
        # a date in another year is written with its year, this year's without
        assert day(moment.london_date) == f"{moment.london_date.day} {moment.london_date:%B}"
        next_year = moment.london_date.replace(year=moment.london_date.year + 1, day=1)
        assert day(next_year).endswith(str(next_year.year))


@pytest.mark.parametrize("name", MOMENTS)
def test_quiet_hours_and_service_hours_follow_londons_wall_clock(name: str) -> None:
    """Quiet hours 21:00-08:00; the desk opens 08:00-20:00 weekdays, 09:00-17:00 Saturdays."""
    moment = MOMENTS[name]
    local = moment.london_time
    with time_machine.travel(moment.instant, tick=False):
        quiet = in_quiet_hours(ContactPolicy(), now=clock.now(), timezone="Europe/London")
        window = window_at(load_policy().service_hours, clock.now())
    assert quiet == (local >= time(21, 0) or local < time(8, 0))
    opening = {6: (time(9, 0), time(17, 0)), 7: None}.get(moment.london_weekday,
                                                          (time(8, 0), time(20, 0)))
    assert window.open_now == (opening is not None and opening[0] <= local <= opening[1])
    if not window.open_now:  # the next opening is a real future instant at an opening time
        assert window.next_opening is not None
        assert window.next_opening.astimezone(UTC) > moment.instant
        assert window.next_opening.time() in (time(8, 0), time(9, 0))
        assert window.next_opening.date() - moment.london_date <= timedelta(days=2)


@pytest.mark.parametrize("name", MOMENTS)
def test_seeded_history_and_the_profile_on_an_awkward_date(name: str,
                                                           empty_db: TestDatabase) -> None:
    moment = MOMENTS[name]
    today = moment.london_date
    with time_machine.travel(moment.instant, tick=False):
        seed_database(empty_db.url, customers=10, seed=5)
        assert_nothing_dated_after(empty_db, now=moment.instant, today=today)
        service = ProfileService(empty_db.engine)
        ids = {ref_name: service.find_customer_by_account(account_number=number).customer_id
               for ref_name, number in (("Gareth", "CL10000104"), ("Emma", "CL10000105"),
                                        ("Aisha", "CL10000103"), ("Tom", "CL10000102"))}

        # balances, overdue days and due dates, against the unpaid rows
        unpaid = unpaid_bills(empty_db, account_number="CL10000104")
        overdue = [(due_on, owed) for due_on, owed in unpaid if due_on < today]
        gareth = service.balance(customer_id=ids["Gareth"])
        assert gareth.amount_due == sum(owed for _, owed in unpaid) > 0
        assert gareth.overdue_amount == sum((owed for _, owed in overdue), Decimal("0.00"))
        assert gareth.due_on == min(due_on for due_on, _ in unpaid)
        assert gareth.days_overdue == ((today - min(d for d, _ in overdue)).days if overdue
                                       else 0)
        assert overdue, "the older of Gareth's two unpaid bills is always past its due date"
        emma = service.balance(customer_id=ids["Emma"])
        assert emma.amount_due == 0 and not emma.is_overdue
        assert emma.last_payment is not None and emma.last_payment.paid_on <= today
        aisha = service.balance(customer_id=ids["Aisha"])
        assert aisha.amount_due == 0 and aisha.prepaid_credit == Decimal("3.20")

        # the billing cycle in progress is London's calendar month, the history contiguous
        (line,) = service.get_profile(customer_id=ids["Emma"]).lines
        current = line.usage.current
        assert current.cycle_start == today.replace(day=1)
        assert current.cycle_start <= today <= current.cycle_end
        assert current.cycle_end + timedelta(days=1) == next_month(today)
        cycles = [current, *line.usage.history]
        for newer, older in zip(cycles, cycles[1:]):
            assert older.cycle_end + timedelta(days=1) == newer.cycle_start
        latest_bill = service.explain_bill(customer_id=ids["Emma"]).current
        assert latest_bill.period_end == today.replace(day=1) - timedelta(days=1)
        assert latest_bill.issued_on == today.replace(day=1) <= today
        # usage left in the cycle never counts days that have gone
        assert (current.cycle_end - today).days >= 0
        assert line.usage.data_allowance_gb is None or line.usage.data_allowance_gb > 0

        # a roaming pass bought now starts today on London's calendar
        bought = service.add_roaming_pass(customer_id=ids["Tom"], country="FR", days=3)
        assert bought.passes[0].starts_on == today
        assert bought.passes[-1].ends_on == today + timedelta(days=2)

        # payment arrangements count from today; the contract of a new plan from today
        eligibility = service.arrangement_eligibility(customer_id=ids["Gareth"])
        instalments = [o for o in eligibility.options if o.kind is ArrangementKind.INSTALMENTS]
        deferral = [o for o in eligibility.options if o.kind is ArrangementKind.DEFERRAL]
        assert instalments[0].first_due_on == today + timedelta(days=7)
        assert deferral[0].last_due_on == today + timedelta(days=30)
        change = service.change_plan(customer_id=ids["Emma"], plan_code="SIMO-25")
        assert change.effective_on == today
        (after,) = service.get_profile(customer_id=ids["Emma"]).lines
        months = after.plan.contract_months
        assert after.contract_ends_on == (today + timedelta(days=30 * months) if months
                                          else None)


def next_month(today: date) -> date:
    return (today.replace(day=28) + timedelta(days=4)).replace(day=1)


def assert_nothing_dated_after(database: TestDatabase, *, now: datetime, today: date) -> None:
    """No payment, bill, contact, case, incident or start date of the seed lies in the future."""
    dated = [
        (models.Payment.paid_on, today), (models.Invoice.issued_on, today),
        (models.Invoice.period_start, today), (models.Customer.customer_since, today),
        (models.Line.started_on, today), (models.UsageCycleRow.cycle_start, today),
        (models.Interaction.occurred_at, now), (models.Case.opened_at, now),
        (models.Incident.started_at, now), (models.IncidentUpdate.at, now),
        (models.Customer.created_at, now),
    ]
    with database.session() as session:
        for column, limit in dated:
            values = session.execute(select(column)).scalars().all()
            assert values, f"the seed wrote no {column}"
            late = [v for v in values if _comparable(v) > limit]
            assert not late, f"{column} after {limit}: {late[:3]}"


def _comparable(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def test_the_shared_seeded_databases_hold_nothing_after_their_instant(seeded_db) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import SEEDED_AT

    assert_nothing_dated_after(seeded_db, now=SEEDED_AT,
                               today=clock.local_date(SEEDED_AT))
