"""How long notifying 10,000 and 100,000 affected customers takes, through the local Twilio
stand-in, with this code and with the previous one (``BENCH_BASELINE``, bench/_baseline.py).

A throwaway SQLite database (migrated, then seeded with one area of N
customers: 2% VIP, 8% business, the rest postpaid/prepaid; a fifth prefer
WhatsApp), the stand-in in its own process on a free port, and OutageCare
with the real channel (careline.channels.outbound → twilio client). Prints
the planning time, the delivery time and rate, and the time of a retry of
the same update (which must send nothing); then, from what the stand-in
received, the most messages one number sent within one second (against the
per-number rate) and whether every VIP notice reached Twilio before every
other, business before postpaid and prepaid. Delivery is bounded by
BENCH_NOTIFY_TIMEOUT (default 900 s); when it runs out, the progress made and
the rate are printed instead.
Sizes: BENCH_NOTIFY_SIZES (default "10000,100000"; BENCH_NOTIFY_CUSTOMERS, one size,
as the previous code reads it); notices in flight at once: BENCH_NOTIFY_CONCURRENCY
(default 64, sets CARELINE_NOTICE_CONCURRENCY); SMS numbers: BENCH_NOTIFY_NUMBERS
(default 40, CARELINE_TWILIO_SMS_NUMBERS) at BENCH_NOTIFY_SENDS_PER_SECOND each (default
10, CARELINE_TWILIO_SENDS_PER_SECOND), WhatsApp at Twilio's 80 per second. The previous
code runs the same sizes with its own bench (concurrency 16), bounded by
BENCH_NOTIFY_BASELINE_TIMEOUT (default 150 s; then it prints its rate and an estimate).
The 1-minute load average is printed at the start and at the end of each run.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

from bench._baseline import baseline_commit, baseline_tree, run_python

SIZES = [int(n) for n in os.environ.get(
    "BENCH_NOTIFY_SIZES", os.environ.get("BENCH_NOTIFY_CUSTOMERS", "10000,100000")).split(",")]
TIMEOUT = float(os.environ.get("BENCH_NOTIFY_TIMEOUT", "900"))
BASELINE_TIMEOUT = os.environ.get("BENCH_NOTIFY_BASELINE_TIMEOUT", "150")
CONCURRENCY = os.environ.get("BENCH_NOTIFY_CONCURRENCY", "64")
NUMBERS = int(os.environ.get("BENCH_NOTIFY_NUMBERS", "40"))
SENDS_PER_SECOND = os.environ.get("BENCH_NOTIFY_SENDS_PER_SECOND", "10")
SEGMENT_ORDER = ("vip", "business", "postpaid", "prepaid")


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _standin(port: int) -> Iterator[None]:
    process = subprocess.Popen([sys.executable, "-m", "careline.twilio_standin", "--port",
                                str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError as error:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the Twilio stand-in did not start") from error
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def _seed(url: str, count: int) -> None:
    from sqlalchemy import insert

    from careline.db.session import get_engine
    from careline.profile.models import Customer, CustomerIdentity, NetworkArea

    engine = get_engine(url)
    created = datetime(2020, 1, 1, tzinfo=timezone.utc)
    customers, identities = [], []
    for n in range(1, count + 1):
        segment = ("vip" if n % 50 == 0 else "business" if n % 12 == 0
                   else "prepaid" if n % 3 == 0 else "postpaid")
        preferred = "whatsapp" if n % 5 == 0 else "sms"
        customers.append(dict(id=n, account_number=f"AC{n:08d}", first_name="Sam",
                              last_name=f"Bench{n}", segment=segment,
                              customer_since=date(2020, 1, 1), address_line1="1 High St",
                              town="Leeds", postcode="LS6 1AA", area_code="LS6",
                              preferred_channel=preferred, marketing_opt_in=False,
                              outage_notifications=True, created_at=created))
        number = f"+447911{100000 + n:06d}"
        identities.append(dict(customer_id=n, kind="msisdn", value=number, opted_out=False))
        if preferred == "whatsapp":
            identities.append(dict(customer_id=n, kind="whatsapp", value=number,
                                   opted_out=False))
    with engine.begin() as connection:
        connection.execute(insert(NetworkArea), [dict(code="LS6", name="Headingley",
                                                      region="Yorkshire")])
        connection.execute(insert(Customer), customers)
        connection.execute(insert(CustomerIdentity), identities)


async def _run(care, update) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Plan, deliver (bounded by TIMEOUT) and retry; a timeout reports the progress made."""
    figures: dict[str, float] = {"complete": 1.0}
    started = time.perf_counter()
    accepted = await care.accept(update)
    figures["plan"] = time.perf_counter() - started
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(care.dispatch(accepted), timeout=TIMEOUT)
        figures["sent"], figures["failed"] = result.sent, result.failed
    except asyncio.TimeoutError:
        counts = care.incident_counts(incident_id=update.incident_id)
        figures["sent"], figures["failed"] = counts.get("sent", 0), counts.get("failed", 0)
        figures["complete"] = 0.0
    figures["deliver"] = time.perf_counter() - started
    if figures["complete"]:
        started = time.perf_counter()
        again = await care.handle(update)
        figures["retry"] = time.perf_counter() - started
        figures["retry_sent"] = again.sent
    await care.close()
    return figures


def main() -> None:
    for size in SIZES:
        _this_code(size)
        with baseline_tree() as tree:
            print(f"--- previous code ({baseline_commit()}), {size} customers", flush=True)
            done = run_python(tree, "-m", "bench", "notify", env={
                "BENCH_NOTIFY_CUSTOMERS": str(size), "BENCH_NOTIFY_CONCURRENCY": "16",
                "BENCH_NOTIFY_TIMEOUT": BASELINE_TIMEOUT})
            print("\n".join(f"  {line}" for line in done.stdout.splitlines()
                            if line and not line.startswith(("===", "(bench"))), flush=True)


def _this_code(customers: int) -> None:
    from careline.db.migrate import upgrade
    from careline.proactive.schemas import IncidentUpdate
    from careline.proactive.wiring import outage_care
    from careline.settings import get_settings, reset_settings

    print(f"--- this code, {customers} customers; start: {_load()}", flush=True)
    numbers = ",".join(f"+4477009{n:05d}" for n in range(1, NUMBERS))
    settings_env = {"CARELINE_NOTICE_CONCURRENCY": CONCURRENCY,
                    "CARELINE_TWILIO_SMS_NUMBERS": numbers,
                    "CARELINE_TWILIO_SENDS_PER_SECOND": SENDS_PER_SECOND}
    saved = {k: os.environ.get(k) for k in ("CARELINE_DATABASE_URL", "TWILIO_API_BASE_URL",
                                             "CARELINE_PUBLIC_URL", *settings_env)}
    with tempfile.TemporaryDirectory(prefix="careline-bench-notify-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'careline.db'}"
        port = _free_port()
        os.environ.update({"CARELINE_DATABASE_URL": url,
                           "TWILIO_API_BASE_URL": f"http://127.0.0.1:{port}",
                           "CARELINE_PUBLIC_URL": "http://127.0.0.1:9", **settings_env})
        reset_settings()
        try:
            upgrade(url)
            started = time.perf_counter()
            _seed(url, customers)
            print(f"seeded {customers} customers in {time.perf_counter() - started:.1f}s")
            update = IncidentUpdate(incident_id="BENCH-1", version=1, action="open",
                                    areas=("LS6",), summary="no mobile data",
                                    detail="A fibre cut between two masts.",
                                    service_critical=True)
            with _standin(port):
                care = outage_care(get_settings(), with_rasa=False)
                figures = asyncio.run(_run(care, update))
                received = _received(port)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            reset_settings()
    rate = figures["sent"] / figures["deliver"] if figures["deliver"] else 0.0
    print(f"planned {customers} customers in {figures['plan']:.1f}s")
    print(f"delivered {figures['sent']:.0f} notices ({figures['failed']:.0f} failed) in "
          f"{figures['deliver']:.1f}s = {rate:.1f} notices/s (concurrency {CONCURRENCY}, "
          f"{NUMBERS} SMS numbers at {SENDS_PER_SECOND}/s each)")
    if figures["complete"]:
        total = figures["plan"] + figures["deliver"]
        print(f"time to notify {customers} affected customers: {total:.1f}s = "
              f"{customers / total:.1f} customers/s overall")
        print(f"retry of the same update: {figures['retry_sent']:.0f} sent, "
              f"{figures['retry']:.2f}s")
    elif rate:
        print(f"stopped after BENCH_NOTIFY_TIMEOUT={TIMEOUT:.0f}s; at this rate all {customers} "
              f"would take about {figures['plan'] + customers / rate:.0f}s")
    _print_pacing_and_order(received)
    print(f"end: {_load()}", flush=True)


def _received(port: int) -> list[dict]:
    """Every message the stand-in took, in the order it took them."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_standin/messages",
                                timeout=120) as answer:
        return json.load(answer)


def _segment(number: str) -> str:
    """The segment ``_seed`` gave the customer behind ``number``."""
    n = int(number.removeprefix("whatsapp:")[-6:]) - 100000
    return ("vip" if n % 50 == 0 else "business" if n % 12 == 0
            else "prepaid" if n % 3 == 0 else "postpaid")


def _print_pacing_and_order(received: list[dict]) -> None:
    per_second = Counter((m["from"], m["date_created"]) for m in received)
    for channel, limit in (("SMS", SENDS_PER_SECOND), ("WhatsApp", "80")):
        busiest = max(((sender, count) for (sender, _), count in per_second.items()
                       if sender.startswith("whatsapp:") == (channel == "WhatsApp")),
                      key=lambda item: item[1], default=("-", 0))
        print(f"{channel}: {sum(1 for m in received if m['from'] == busiest[0])} messages from "
              f"the busiest number ({busiest[0]}), at most {busiest[1]} within one second "
              f"(limit {limit}/s)")
    ranks = [SEGMENT_ORDER.index(_segment(m["to"])) for m in received]
    out_of_order = sum(1 for a, b in zip(ranks, ranks[1:]) if b < a)
    print(f"the stand-in took {len(received)} messages from {len({m['from'] for m in received})}"
          f" numbers, segment by segment (VIP → business → postpaid → prepaid): "
          f"{'in order' if not out_of_order else f'{out_of_order} steps back'}")
