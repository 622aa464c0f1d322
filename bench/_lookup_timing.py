"""Time profile lookups with whichever ``careline`` is first on ``PYTHONPATH``.

Run as a script by ``bench/profile_lookup.py``, once with this tree and once with a
worktree of the baseline commit, against the same seeded database, so both codes are
timed in the same run on the same data. Uses only what both codes have
(``ProfileService.find_customer`` and ``get_profile``) and prints one JSON object:
the wall-clock and CPU milliseconds of each lookup and the SQL statements one sends.

    python bench/_lookup_timing.py URL CUSTOMERS LOOKUPS RANDOM_SEED
"""

from __future__ import annotations

import json
import random
import sys
import time

WARM_UP = 50
#: careline.profile.seed.synthetic.synthetic_msisdn, repeated here: the previous code's
#: package has no such function, and both codes read the database this code seeded.
SYNTHETIC_NUMBER_BASE, OVERFLOW_NUMBER_BASE, OVERFLOW_FROM = 7700100000, 7800000000, 100_000


def synthetic_msisdn(index: int) -> str:
    if index < OVERFLOW_FROM:
        return f"+44{SYNTHETIC_NUMBER_BASE + index}"
    return f"+44{OVERFLOW_NUMBER_BASE + index}"


def main(url: str, customers: int, lookups: int, random_seed: int) -> None:
    import careline
    from sqlalchemy import event

    from careline.db import session
    from careline.db.session import get_engine

    get_read_engine = getattr(session, "get_read_engine", get_engine)  # not in older code
    from careline.profile.service import ProfileService
    from careline.settings import Settings

    engine = get_engine(url)
    service = ProfileService(engine, settings=Settings(database_url=url))
    rng = random.Random(random_seed)
    numbers = [synthetic_msisdn(rng.randrange(customers))
               for _ in range(lookups + WARM_UP)]

    def lookup(number: str) -> None:
        ref = service.find_customer(channel="sms", address=number)
        service.get_profile(customer_id=ref.customer_id)

    lookup(numbers[0])  # a connection's first lookup may prepare statements
    sent: list[str] = []
    record = lambda *args: sent.append(args[2])  # noqa: E731  (before_cursor_execute)
    engines = list({id(e): e for e in (engine, get_read_engine(url))}.values())
    for each in engines:
        event.listen(each, "before_cursor_execute", record)
    lookup(numbers[1])
    for each in engines:
        event.remove(each, "before_cursor_execute", record)

    wall, cpu = [], []
    for index, number in enumerate(numbers):
        started, started_cpu = time.perf_counter(), time.process_time()
        lookup(number)
        if index >= WARM_UP:
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
    for each in engines:
        each.dispose()
    print(json.dumps({"code": careline.__file__, "statements": len(sent), "wall_ms": wall,
                      "cpu_ms": cpu}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
