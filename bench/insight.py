"""The contact-centre report over a week of a million events, this code beside the previous
one (``BENCH_BASELINE``, bench/_baseline.py).

A profile database seeded with 10,000 customers and a Rasa SQL broker ``events.db`` of
``BENCH_INSIGHT_EVENTS`` (default 1,000,000) events over the week before a fixed
instant, played as Rasa publishes them: session start, user messages with intent and
channel, the ``customer_id`` slot, bot answers, handoffs with their reason and the
agent's first reply. Each code gets its own copy of both and runs
``bench/_insight_timing.py``: fold every event into the store (ingestion, which runs as
events arrive), then the dashboard's page for the week (``report_for_query`` and the
page rendered). The previous code's page folded everything pending first, so its page
view after a backlog cost the fold plus the report; this code's page view folds at most
a bounded batch. Prints events per second folded and the page's seconds.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench._baseline import REPOSITORY, baseline_commit, baseline_tree, run_python

EVENTS = int(os.environ.get("BENCH_INSIGHT_EVENTS", "1000000"))
CUSTOMERS = 10_000
UNTIL = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
TIMING_SCRIPT = str(Path(__file__).resolve().parent / "_insight_timing.py")
CHANNELS = ("sms", "whatsapp", "webchat")
INTENTS = ("ask_balance", "ask_bill", "report_outage", "change_plan", "roaming", "greet",
           "affirm", "thanks", "frustration", "request_human", "payment_arrangement")
TEXTS = ("what's my balance", "why is my bill so high", "no signal again, this is useless",
         "thanks, that helps", "I want to speak to a person", "is there an outage in LS6",
         "can I change my plan", "great, cheers")
FIRST_CUSTOMER = 16  # the synthetic customers follow the demo ones


def main() -> None:
    print(f"insight: {EVENTS} events over the week to {UNTIL:%Y-%m-%d %H:%M} UTC, "
          f"{CUSTOMERS} customers; previous code {baseline_commit()} ({_load()})", flush=True)
    from careline.profile.seed.runner import seed_database

    with tempfile.TemporaryDirectory(prefix="careline-bench-insight-") as scratch:
        directory = Path(scratch)
        template = directory / "template.db"
        seed_database(f"sqlite:///{template}", customers=CUSTOMERS, seed=3, now=UNTIL)
        started = time.perf_counter()
        conversations = _write_events(directory / "events.db", EVENTS)
        print(f"wrote {EVENTS} events ({conversations} conversations) in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        with baseline_tree() as baseline:
            for code, tree in (("previous", baseline), ("this", REPOSITORY)):
                database = directory / f"{code}.db"
                shutil.copyfile(template, database)
                figures = json.loads(run_python(
                    tree, TIMING_SCRIPT, f"sqlite:///{database}", str(directory / "events.db"),
                    UNTIL.isoformat(), "folded").stdout)
                print(f"[{code} code] folded {figures['events']:.0f} events in "
                      f"{figures['fold']:.1f}s = {figures['events'] / figures['fold']:.0f} "
                      f"events/s; the week's page: report {figures['report']:.2f}s, with the "
                      f"charts {figures['page']:.2f}s ({figures['contacts']:.0f} contacts; "
                      f"{_load()})", flush=True)
                if code == "previous":
                    print(f"[previous code] a page view after that backlog: "
                          f"{figures['fold'] + figures['page']:.1f}s (it folded first)",
                          flush=True)
                database.unlink()


def _write_events(path: Path, count: int) -> int:
    """``count`` events in Rasa's SQL broker table, in time order; returns conversations."""
    rng = random.Random(11)
    start = (UNTIL - timedelta(days=7)).timestamp()
    span = 7 * 24 * 3600
    rows: list[tuple[str, str]] = []
    conversations = 0
    while len(rows) < count:
        conversations += 1
        at = start + rng.random() * span
        sender = f"bench-{conversations}"
        channel = rng.choice(CHANNELS)
        customer = FIRST_CUSTOMER + rng.randrange(CUSTOMERS) if rng.random() < 0.7 else None

        def event(kind: str, when: float, sender: str = sender, **fields: object) -> None:
            rows.append((sender, json.dumps({"sender_id": sender, "event": kind,
                                             "timestamp": when, **fields})))

        event("action", at, name="action_session_start")
        event("session_started", at)
        for turn in range(rng.choice((1, 2, 2, 3, 4))):
            when = at + 20 * turn
            event("user", when, text=rng.choice(TEXTS), input_channel=channel,
                  parse_data={"intent": {"name": rng.choice(INTENTS), "confidence": 0.9},
                              "entities": []}, metadata={"channel": channel})
            if customer is not None:
                event("slot", when, name="customer_id", value=customer)
            event("bot", when + 1, text="bot answer", metadata={})
        if rng.random() < 0.15:
            when = at + 90
            event("slot", when, name="handoff_reason", value=rng.choice(
                ("customer_request", "frustration", "low_confidence")))
            event("action", when, name="action_handoff_to_agent")
            if rng.random() < 0.8:
                event("bot", when + rng.randrange(30, 900), text="Hi, this is Alex",
                      metadata={"source": "desk"})
    rows = rows[:count]
    rows.sort(key=lambda row: json.loads(row[1])["timestamp"])
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, "
                           "sender_id VARCHAR(255), data TEXT)")
        connection.executemany("INSERT INTO events (sender_id, data) VALUES (?, ?)", rows)
    return conversations


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


if __name__ == "__main__":
    main()
