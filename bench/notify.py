"""How long notifying 10,000 affected customers takes, through the local Twilio stand-in.

A throwaway SQLite database (migrated, then seeded with one area of N
customers: 2% VIP, 8% business, the rest postpaid/prepaid; a fifth prefer
WhatsApp), the stand-in in its own process on a free port, and OutageCare
with the real channel (careline.channels.outbound → twilio client). Prints
the planning time, the delivery time and rate, and the time of a retry of
the same update (which must send nothing). Delivery is bounded by
BENCH_NOTIFY_TIMEOUT (default 900 s); when it runs out, the progress made and
the rate are printed instead.
Size: BENCH_NOTIFY_CUSTOMERS (default 10000); notices in flight at once:
BENCH_NOTIFY_CONCURRENCY (default 16, sets CARELINE_NOTICE_CONCURRENCY).
The 1-minute load average is printed at the start and at the end.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterator

CUSTOMERS = int(os.environ.get("BENCH_NOTIFY_CUSTOMERS", "10000"))
TIMEOUT = float(os.environ.get("BENCH_NOTIFY_TIMEOUT", "900"))
CONCURRENCY = os.environ.get("BENCH_NOTIFY_CONCURRENCY", "16")


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
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the Twilio stand-in did not start")
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
    from careline.db.migrate import upgrade
    from careline.proactive.schemas import IncidentUpdate
    from careline.proactive.wiring import outage_care
    from careline.settings import get_settings, reset_settings

    print(f"start: {_load()}", flush=True)
    saved = {k: os.environ.get(k) for k in ("CARELINE_DATABASE_URL", "TWILIO_API_BASE_URL",
                                             "CARELINE_PUBLIC_URL",
                                             "CARELINE_NOTICE_CONCURRENCY")}
    with tempfile.TemporaryDirectory(prefix="careline-bench-notify-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'careline.db'}"
        port = _free_port()
        os.environ.update({"CARELINE_DATABASE_URL": url,
                           "TWILIO_API_BASE_URL": f"http://127.0.0.1:{port}",
                           "CARELINE_PUBLIC_URL": "http://127.0.0.1:9",
                           "CARELINE_NOTICE_CONCURRENCY": CONCURRENCY})
        reset_settings()
        try:
            upgrade(url)
            started = time.perf_counter()
            _seed(url, CUSTOMERS)
            print(f"seeded {CUSTOMERS} customers in {time.perf_counter() - started:.1f}s")
            update = IncidentUpdate(incident_id="BENCH-1", version=1, action="open",
                                    areas=("LS6",), summary="no mobile data",
                                    detail="A fibre cut between two masts.",
                                    service_critical=True)
            with _standin(port):
                care = outage_care(get_settings(), with_rasa=False)
                figures = asyncio.run(_run(care, update))
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            reset_settings()
    rate = figures["sent"] / figures["deliver"] if figures["deliver"] else 0.0
    print(f"planned {CUSTOMERS} customers in {figures['plan']:.1f}s")
    print(f"delivered {figures['sent']:.0f} notices ({figures['failed']:.0f} failed) in "
          f"{figures['deliver']:.1f}s = {rate:.1f} notices/s "
          f"(concurrency {CONCURRENCY})")
    if figures["complete"]:
        total = figures["plan"] + figures["deliver"]
        print(f"time to notify {CUSTOMERS} affected customers: {total:.1f}s = "
              f"{CUSTOMERS / total:.1f} customers/s overall")
        print(f"retry of the same update: {figures['retry_sent']:.0f} sent, "
              f"{figures['retry']:.2f}s")
    elif rate:
        print(f"stopped after BENCH_NOTIFY_TIMEOUT={TIMEOUT:.0f}s; at this rate all {CUSTOMERS} "
              f"would take about {figures['plan'] + CUSTOMERS / rate:.0f}s")
    print(f"end: {_load()}")


if __name__ == "__main__":
    main()
