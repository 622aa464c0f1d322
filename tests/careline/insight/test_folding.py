"""Insight is folded as events arrive, so a page view never pays for a backlog: the page
folds at most ``PAGE_CATCH_UP`` events itself, the background folds the rest step by step
and then whatever arrives later, and folding in batches gives the figures of the week."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from rasa.core.brokers.sql import SQLEventBroker

from careline.insight import folding, views
from careline.insight.folding import fold_forever
from tests.careline.insight.test_week import MONDAY, Script, week  # noqa: F401 (fixture)


def _figures(service):  # type: ignore[no-untyped-def]
    report = service.report(since=MONDAY, until=MONDAY + timedelta(days=7))
    return (report.contacts, report.contained, report.repeat_contacts, report.drivers,
            [(d.contacts, d.handed_off) for d in report.days],
            {r.key: (r.contacts, r.contained) for r in report.by_channel},
            {r.key: (r.contacts, r.handed_off) for r in report.by_segment})


@pytest.mark.parametrize("batch", [1, 3, 7])
def test_folding_in_batches_that_split_conversations_gives_the_weeks_figures(week, batch):
    service, _ = week
    while service.ingest_pending(batch=batch, limit=batch):
        pass
    assert _figures(service) == (
        8, 5, 4, (("check_outage", 4), ("ask_bill", 3), ("ask_roaming", 1)),
        [(2, 0), (1, 1), (1, 0), (1, 1), (1, 0), (1, 1), (1, 0)],
        {"sms": (4, 2), "whatsapp": (2, 1), "webchat": (2, 2)},
        {"vip": (3, 1), "postpaid": (3, 2), "prepaid": (1, 0), "unknown": (1, 0)})


async def test_a_page_view_folds_at_most_its_catch_up(week, tmp_path, monkeypatch):
    service, _ = week
    with sqlite3.connect(tmp_path / "events.db") as events:
        backlog = events.execute("SELECT count(*) FROM events").fetchone()[0]
    monkeypatch.setattr(views, "PAGE_CATCH_UP", 5)
    await views.report_for_query(service, {"since": MONDAY.isoformat()})
    assert service.ingest_pending() == backlog - 5  # the rest was left to the background


def test_the_background_folds_a_backlog_then_what_arrives(week, tmp_path, monkeypatch):
    """fold_forever runs on a plain asyncio loop in its own thread, as in a server process,
    while this thread watches the figures with a deadline and then stops it."""
    service, _ = week
    monkeypatch.setattr(folding, "STEP", 4)  # the week's backlog takes many steps
    loop = asyncio.SelectorEventLoop()
    task = loop.create_task(fold_forever(service, interval=0.05))
    runner = threading.Thread(target=loop.run_until_complete, args=(_quietly(task),),
                              daemon=True)
    runner.start()
    try:
        _until(lambda: _figures(service)[0] == 8)
        broker = SQLEventBroker(db=str(tmp_path / "events.db"))
        Script(broker).conversation("web-later", MONDAY + timedelta(days=6, hours=20),
                                    "webchat", [("ask_bill", "and my bill?")])
        broker.engine.dispose()
        _until(lambda: _figures(service)[0] == 9)
    finally:
        loop.call_soon_threadsafe(task.cancel)
        runner.join(timeout=30)
    assert not runner.is_alive(), "folding did not stop when cancelled"
    loop.close()
    assert service.ingest_pending() == 0


async def _quietly(task: asyncio.Task) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _until(done, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "not folded in time"
        time.sleep(0.05)
