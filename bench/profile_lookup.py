"""Profile store: seeding throughput and lookup latency at 100k customers, SQLite and PostgreSQL.

For each backend: seed a fresh database (a temp SQLite file; a temp PostgreSQL
database on 127.0.0.1:5432, dropped afterwards) with ``careline seed``'s code,
then time ``find_customer`` (by SMS number) + ``get_profile`` for random
customers and print p50/p95 with the SQL statements one lookup sends (the
cost that does not depend on the machine's load). ``CARELINE_BENCH_CUSTOMERS``
and ``CARELINE_BENCH_LOOKUPS`` shrink it for a quick look.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
WARM_UP = 50


def main() -> None:
    customers = int(os.environ.get("CARELINE_BENCH_CUSTOMERS", "100000"))
    lookups = int(os.environ.get("CARELINE_BENCH_LOOKUPS", "1000"))
    print(f"profile store: {customers} synthetic customers, {lookups} lookups per backend "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as directory:
        _bench("sqlite", f"sqlite:///{Path(directory) / 'bench.db'}", customers, lookups)
    with _postgres_database() as url:
        _bench("postgresql", url, customers, lookups)


def _bench(name: str, url: str, customers: int, lookups: int) -> None:
    from careline.db.session import get_engine
    from careline.profile.seed.runner import seed_database
    from careline.profile.seed.synthetic import SYNTHETIC_NUMBER_BASE
    from careline.profile.service import ProfileService

    report = seed_database(url, customers=customers, seed=1)
    print(f"[{name}] seeding: {report.demo_customers + report.synthetic_customers} customers "
          f"in {report.seconds:.1f}s = {report.customers_per_second:.0f} customers/s", flush=True)
    engine = get_engine(url)
    service = ProfileService(engine)
    rng = random.Random(2)
    numbers = [f"+44{SYNTHETIC_NUMBER_BASE + rng.randrange(customers)}"
               for _ in range(lookups + WARM_UP)]

    def lookup(number: str) -> None:
        ref = service.find_customer(channel="sms", address=number)
        service.get_profile(customer_id=ref.customer_id)

    print(f"[{name}] {_statements_per_lookup(engine, lambda: lookup(numbers[0]))} SQL "
          f"statements per lookup; timing {lookups} lookups "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    timings, cpu = [], []
    for index, number in enumerate(numbers):
        started, started_cpu = time.perf_counter(), time.process_time()
        lookup(number)
        if index >= WARM_UP:
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"[{name}] find_customer+get_profile: p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
          f"max {timings[-1]:.2f} ms over {len(timings)} lookups; this process's CPU per "
          f"lookup p50 {statistics.median(cpu):.2f} ms (load average "
          f"{os.getloadavg()[0]:.1f})", flush=True)
    get_engine(url).dispose()


def _statements_per_lookup(engine, lookup) -> int:  # type: ignore[no-untyped-def]
    sent = []

    def record(*_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(1)

    event.listen(engine, "before_cursor_execute", record)
    try:
        lookup()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(sent)


@contextmanager
def _postgres_database() -> Iterator[str]:
    name = f"careline_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", future=True,
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


if __name__ == "__main__":
    main()
