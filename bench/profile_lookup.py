"""Profile store at a million customers: seeding and lookup latency, this code beside the
previous one (``BENCH_BASELINE``, see ``bench/_baseline.py``), on SQLite and PostgreSQL.

For each backend: seed a fresh database (a temp SQLite file; a temp PostgreSQL database
on 127.0.0.1:5432, dropped afterwards) with ``careline seed``'s code, and seed a smaller
one (``CARELINE_BENCH_BASELINE_SEED``, default 20,000 customers) with the previous code
for its rate. Then time ``find_customer`` (by SMS number) + ``get_profile`` for random
customers of the big database with both codes, each in its own process
(``bench/_lookup_timing.py``), in two alternating rounds so a change in the machine's
load falls on both, and print p50/p95, the SQL statements one lookup sends and this
process's CPU per lookup (the figures that do not depend on the machine's load).
``CARELINE_BENCH_CUSTOMERS`` (default 1,000,000) and ``CARELINE_BENCH_LOOKUPS`` (1000)
shrink it for a quick look.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text

from bench._baseline import REPOSITORY, baseline_commit, baseline_tree, run_python

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
TIMING_SCRIPT = str(Path(__file__).resolve().parent / "_lookup_timing.py")
SEED_SCRIPT = ("import sys; from careline.profile.seed.runner import seed_database; "
               "r = seed_database(sys.argv[1], customers=int(sys.argv[2]), seed=1); "
               "print(r.customers_per_second, r.seconds)")


def main() -> None:
    customers = int(os.environ.get("CARELINE_BENCH_CUSTOMERS", "1000000"))
    lookups = int(os.environ.get("CARELINE_BENCH_LOOKUPS", "1000"))
    sample = int(os.environ.get("CARELINE_BENCH_BASELINE_SEED", "20000"))
    print(f"profile store: {customers} synthetic customers, {lookups} lookups per backend and "
          f"code; previous code {baseline_commit()} ({_load()})", flush=True)
    with baseline_tree() as baseline:
        with tempfile.TemporaryDirectory() as directory:
            _bench("sqlite", lambda name: f"sqlite:///{Path(directory) / name}.db",
                   customers, lookups, sample, baseline)
        _bench("postgresql", _postgres_url, customers, lookups, sample, baseline)


def _bench(backend: str, database, customers: int, lookups: int,  # type: ignore[no-untyped-def]
           sample: int, baseline: Path) -> None:
    from careline.db.session import get_engine
    from careline.profile.seed.runner import seed_database

    with _scratch(database("before")) as url:
        rate, seconds = run_python(baseline, "-c", SEED_SCRIPT, url,
                                   str(sample)).stdout.split()
        print(f"[{backend}] seeding, previous code: {sample} customers in {float(seconds):.1f}s"
              f" = {float(rate):.0f} customers/s ({_load()})", flush=True)
    with _scratch(database("after")) as url:
        report = seed_database(url, customers=customers, seed=1)
        get_engine(url).dispose()
        print(f"[{backend}] seeding, this code: {report.synthetic_customers} customers in "
              f"{report.seconds:.1f}s = {report.customers_per_second:.0f} customers/s "
              f"({_load()})", flush=True)
        figures: dict[str, dict] = {"before": {}, "after": {}}
        for round_, order in enumerate((("before", "after"), ("after", "before"))):
            for code in order:
                tree = baseline if code == "before" else REPOSITORY
                out = json.loads(run_python(tree, TIMING_SCRIPT, url, str(customers),
                                            str(lookups // 2), str(round_ + 2)).stdout)
                for key in ("wall_ms", "cpu_ms"):
                    figures[code].setdefault(key, []).extend(out[key])
                figures[code]["statements"] = out["statements"]
        for code in ("before", "after"):
            wall = sorted(figures[code]["wall_ms"])
            print(f"[{backend}] lookup, {'previous' if code == 'before' else 'this'} code: "
                  f"{figures[code]['statements']} statements; p50 "
                  f"{statistics.median(wall):.2f} ms, p95 {wall[int(len(wall) * .95) - 1]:.2f}"
                  f" ms, max {wall[-1]:.2f} ms over {len(wall)} lookups; CPU per lookup p50 "
                  f"{statistics.median(figures[code]['cpu_ms']):.2f} ms", flush=True)
        print(f"[{backend}] ({_load()})", flush=True)


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def _postgres_url(name: str) -> str:
    return f"{POSTGRES_SERVER}/careline_bench_{name}_{uuid.uuid4().hex[:8]}"


@contextmanager
def _scratch(url: str) -> Iterator[str]:
    """The database at ``url``: a new PostgreSQL database dropped afterwards (SQLite files
    go with their temporary directory)."""
    if not url.startswith("postgresql"):
        try:
            yield url
        finally:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    admin = create_engine(f"{POSTGRES_SERVER}/postgres", future=True,
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
