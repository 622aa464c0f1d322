"""Seed a database: migrate, then reference data, demo customers and a synthetic population.

Seeding refuses a database that already holds profile data (catalogue or
customers) instead of doubling it: run it on an empty database.
:func:`seed_if_empty` is what ``make run`` calls on every start.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select

from careline import clock
from careline.db.migrate import upgrade
from careline.db.session import get_engine
from careline.profile import models
from careline.profile.seed.builder import DatasetBuilder
from careline.profile.seed.demo import DEMO_CUSTOMERS, add_demo_customers
from careline.profile.seed.reference import add_reference
from careline.profile.seed.synthetic import add_synthetic_customers
from careline.settings import Profile, get_settings

#: Synthetic customers ``make run`` adds to the demo ones on first start.
FIRST_START_CUSTOMERS = 500
MAX_CUSTOMERS = 1_000_000


class AlreadySeeded(RuntimeError):
    """The database already holds profile data; seeding it again would double it."""


@dataclass(frozen=True)
class SeedReport:
    demo_customers: int
    synthetic_customers: int
    seconds: float

    @property
    def customers_per_second(self) -> float:
        total = self.demo_customers + self.synthetic_customers
        return total / self.seconds if self.seconds else float("inf")


def seed_database(url: Optional[str] = None, *, customers: int, seed: int = 42,
                  now: Optional[datetime] = None) -> SeedReport:
    """Migrate ``url`` and fill it in one transaction; raises AlreadySeeded if not empty."""
    if not 0 <= customers <= MAX_CUSTOMERS:
        raise ValueError(f"customers must be between 0 and {MAX_CUSTOMERS}")
    url = url or get_settings().resolved_database_url
    upgrade(url)
    now = now or clock.now()
    started = time.perf_counter()
    with get_engine(url).begin() as connection:
        if _holds_profile_data(connection):
            raise AlreadySeeded("the database already holds profile data; seed an empty one")
        builder = DatasetBuilder(connection)
        add_reference(builder)
        today = clock.local_date(now)
        add_demo_customers(builder, today=today, now=now)
        builder.flush()
        add_synthetic_customers(builder, count=customers, seed=seed, today=today, now=now)
        builder.fix_sequences()
    _analyze(url)
    return SeedReport(len(DEMO_CUSTOMERS), customers, time.perf_counter() - started)


def seed_if_empty(url: Optional[str] = None, *,
                  customers: int = FIRST_START_CUSTOMERS) -> Optional[SeedReport]:
    """Seed a database that holds no profile data yet; None when it already does.

    Never seeds under the production profile: demo rows do not belong there.
    """
    settings = get_settings()
    if settings.profile is Profile.PRODUCTION:
        return None
    url = url or settings.resolved_database_url
    upgrade(url)
    with get_engine(url).connect() as connection:
        if _holds_profile_data(connection):
            return None
    try:
        return seed_database(url, customers=customers)
    except AlreadySeeded:
        return None


def _analyze(url: str) -> None:
    """Refresh the planner's statistics after a bulk load.

    Without them PostgreSQL plans the first lookups on a freshly seeded
    database from guesses (autovacuum analyses later, on its own schedule) and
    SQLite has no statistics at all; both then pick poorer join orders.
    """
    engine = get_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def _holds_profile_data(connection) -> bool:  # type: ignore[no-untyped-def]
    plans = connection.execute(select(func.count()).select_from(models.Plan)).scalar_one()
    people = connection.execute(select(func.count()).select_from(models.Customer)).scalar_one()
    return bool(plans or people)
