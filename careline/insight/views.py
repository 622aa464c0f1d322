"""The insight dashboard: the report's figures for a period, as a page.

The desk draws them in its own layout behind its login (``/insight`` in
``careline.desk.views``, with :func:`report_for_query`); :func:`dashboard_app`
is the same page on its own (``GET /?since=7d&until=…``), for an operator's
own portal. Events are folded in the background (``careline.insight.folding``); a page
view folds at most :data:`PAGE_CATCH_UP` new events itself, never a backlog.
"""

from __future__ import annotations

from typing import Mapping, Optional

from aiohttp import web
from sqlalchemy.engine import Engine

from careline import clock
from careline.db.session import run_blocking
from careline.insight.folding import folding_in_background
from careline.insight.period import parse_since
from careline.insight.report import render_page
from careline.insight.schemas import InsightReport
from careline.insight.service import InsightService, events_location
from careline.settings import Settings

INSIGHT = web.AppKey("insight", InsightService)
#: A week's figures at a million events and six charts take seconds, not milliseconds.
PAGE_TIMEOUT = 120.0
#: New events a page view folds itself: what arrived since the background's last step.
PAGE_CATCH_UP = 2000


async def report_for_query(service: InsightService, query: Mapping[str, str]) -> InsightReport:
    """The report for ``?since=7d&until=…`` (as ``careline report`` reads them), after folding
    at most :data:`PAGE_CATCH_UP` new events.

    A period that does not parse is a 400 with the hint.
    """
    now = clock.now()
    try:
        since = parse_since(query.get("since") or "7d", now=now)
        until = parse_since(query["until"], now=now) if query.get("until") else now
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error)) from error

    def build() -> InsightReport:
        service.ingest_pending(limit=PAGE_CATCH_UP)
        return service.report(since=since, until=until)

    return await run_blocking(build, timeout=PAGE_TIMEOUT)


async def dashboard(request: web.Request) -> web.Response:
    report = await report_for_query(request.app[INSIGHT], request.query)
    page = await run_blocking(lambda: render_page(report, title="Contact-centre insight"),
                              timeout=PAGE_TIMEOUT)
    return web.Response(text=page, content_type="text/html",
                        headers={"Cache-Control": "no-store"})


def dashboard_app(settings: Settings, *, engine: Optional[Engine] = None,
                  service: Optional[InsightService] = None) -> web.Application:
    """A sub-app with the dashboard page at ``/``; mount it where the desk wants it."""
    app = web.Application()
    app[INSIGHT] = service or InsightService(engine=engine, events=events_location(settings))
    app.cleanup_ctx.append(folding_in_background(INSIGHT,
                                                 interval=settings.insight_fold_seconds))
    app.router.add_get("/", dashboard)
    return app


__all__ = ["INSIGHT", "dashboard_app", "report_for_query"]
