"""Time the insight report with whichever ``careline`` is first on ``PYTHONPATH``.

Run as a script by ``bench/insight.py`` with this tree and with a worktree of the
baseline commit, each on its own copy of the same profile database and the same
events. Prints one JSON object of seconds: ``fold`` (every event of ``events.db`` into
the store, as ingestion does while they arrive), then ``page`` (what a dashboard page
view does: catch up, compute the week's report, render it) — with ``backlog`` true the
events are left unfolded, so the page view finds the whole backlog.

    python bench/_insight_timing.py DATABASE_URL EVENTS_DB UNTIL_ISO backlog|folded
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta


def main(url: str, events: str, until: str, mode: str) -> None:
    import asyncio

    from sqlalchemy import create_engine

    from careline.insight.report import render_page
    from careline.insight.service import InsightService
    from careline.insight.views import report_for_query

    engine = create_engine(url, future=True)
    service = InsightService(engine=engine, events=events)
    figures: dict[str, float] = {}
    if mode == "folded":
        started = time.perf_counter()
        figures["events"] = service.ingest_pending()
        figures["fold"] = time.perf_counter() - started
    end = datetime.fromisoformat(until)
    query = {"since": (end - timedelta(days=7)).isoformat(), "until": end.isoformat()}
    started = time.perf_counter()
    report = asyncio.run(report_for_query(service, query))  # the dashboard page's figures
    figures["report"] = time.perf_counter() - started
    render_page(report)
    figures["page"] = time.perf_counter() - started
    figures["contacts"] = report.contacts
    service.close()
    engine.dispose()
    print(json.dumps(figures))


if __name__ == "__main__":
    main(*sys.argv[1:5])
