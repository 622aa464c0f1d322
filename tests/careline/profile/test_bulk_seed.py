"""The bulk seed writer (``careline.profile.seed.bulk``): PostgreSQL's COPY and SQLite's raw
``executemany`` bypass SQLAlchemy's insert, so they must write exactly what it would."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from careline.profile import models
from careline.profile.seed.builder import TABLE_ORDER
from careline.profile.seed.bulk import write_rows
from careline.profile.seed.demo import DEMO_CUSTOMERS
from careline.profile.seed.runner import seed_database
from tests.conftest import TestDatabase, _migrated_sqlite, _temporary_postgres

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
AWKWARD_TEXT = "tab\there, new\nline, back\\slash, \\N and \r"


def _population(database: TestDatabase) -> dict[str, list[tuple]]:
    """Every seeded table, read back through the models' types (PIN salts aside)."""
    read = {}
    with database.engine.connect() as connection:
        for model in TABLE_ORDER:
            table = model.__table__
            columns = [c for c in table.c if c.name != "pin_hash"]
            rows = connection.execute(select(*columns).order_by(*table.primary_key))
            read[table.name] = [tuple(row) for row in rows]
    return read


@pytest.mark.postgres
def test_copy_and_executemany_seed_the_same_population(tmp_path):
    sqlite = _migrated_sqlite(tmp_path)
    seed_database(sqlite.url, customers=400, seed=5, now=NOW)
    with _temporary_postgres("careline_bulkseed") as postgres:
        seed_database(postgres.url, customers=400, seed=5, now=NOW)
        on_postgres = _population(postgres)
    on_sqlite = _population(sqlite)
    sqlite.engine.dispose()
    assert len(on_sqlite["crm_customers"]) == 400 + len(DEMO_CUSTOMERS)
    for table, rows in on_sqlite.items():
        assert rows == on_postgres[table], table


def _awkward_rows() -> tuple[dict, list[dict]]:
    customer = dict(id=900, account_number="CL900", first_name="Zoë", last_name=AWKWARD_TEXT,
                    segment="vip", customer_since=date(2020, 2, 29), pin_hash=None,
                    address_line1="1 High St", town="Leeds", postcode="LS6 1AA",
                    area_code="LS6", preferred_channel=None,
                    created_at=datetime(2026, 3, 29, 1, 30, 0, 123,
                                        tzinfo=timezone(timedelta(hours=1))))
    # marketing_opt_in / outage_notifications left out: their column defaults apply
    cases = [dict(id=901 + n, reference=f"FLT-{n}", customer_id=900, kind="fault",
                  status="open", summary=AWKWARD_TEXT, channel="sms",
                  amount=amount, invoice_number=None, service=None,
                  opened_at=datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc))
             for n, amount in enumerate((Decimal("12.345"), None, Decimal("0.1")))]
    return customer, cases


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres",
                                                            marks=pytest.mark.postgres)])
def test_bulk_rows_read_back_as_a_core_insert_writes_them(backend, tmp_path):
    customer, cases = _awkward_rows()

    def written(database: TestDatabase, bulk: bool) -> list[tuple]:
        with database.engine.begin() as connection:
            for table, rows in ((models.Customer.__table__, [customer]),
                                (models.Case.__table__, cases)):
                if bulk:
                    write_rows(connection, table, rows)
                else:
                    connection.execute(insert(table), rows)
        with database.engine.connect() as connection:
            return [tuple(r) for model in (models.Customer, models.Case)
                    for r in connection.execute(select(model.__table__)
                                                .order_by(model.__table__.c.id))]

    read = []
    for bulk, name in ((True, "bulk"), (False, "core")):
        if backend == "sqlite":
            (tmp_path / name).mkdir()
            database = _migrated_sqlite(tmp_path / name)
            read.append(written(database, bulk))
            database.engine.dispose()
        else:
            with _temporary_postgres(f"careline_{name}") as database:
                read.append(written(database, bulk))
    by_bulk, by_core = read
    assert by_bulk == by_core
    customer_row, first_case = by_bulk[0], by_bulk[1]
    assert customer_row[3] == AWKWARD_TEXT and first_case[5] == AWKWARD_TEXT
    assert customer_row[-1] == datetime(2026, 3, 29, 0, 30, 0, 123, tzinfo=timezone.utc)
    assert customer_row[-3:-1] == (False, True)  # the columns' defaults
    assert first_case[7] == Decimal("12.34")


def test_a_million_synthetic_customers_have_valid_numbers_of_their_own():
    """Past the first 100,000, +44 7700 2xxxxx and others are numbers no UK operator uses
    (refused, so such a customer could never be found by number) and 7700 900xxx is the demo
    customers' drama range: synthetic numbers continue at +44 7800, the first 100,000 kept."""
    from careline.profile.phone import normalise_msisdn
    from careline.profile.seed.synthetic import synthetic_msisdn

    assert synthetic_msisdn(0) == "+447700100000"
    assert synthetic_msisdn(99_999) == "+447700199999"
    assert synthetic_msisdn(100_000) == "+447800100000"
    assert synthetic_msisdn(999_999) == "+447800999999"
    assert len({synthetic_msisdn(index) for index in range(1_000_000)}) == 1_000_000
    for index in range(0, 1_000_000, 997):
        assert normalise_msisdn(synthetic_msisdn(index), region="GB") == synthetic_msisdn(index)
