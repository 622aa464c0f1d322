"""The desk's insight dashboard: the report's figures as a page, as an aiohttp sub-app.

The desk mounts it behind its own login, e.g.
``app.add_subapp("/insight", dashboard_app(settings))``; ``GET /?since=7d``
brings the store up to date from the SQL broker and draws the page.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from aiohttp import web
from sqlalchemy.engine import Engine

from careline.db.session import run_blocking
from careline.insight.period import parse_since
from careline.insight.report import render_page
from careline.insight.service import InsightService, events_location
from careline.settings import Settings

INSIGHT = web.AppKey("insight", InsightService)
#: Ingesting a busy day's events and drawing six charts takes seconds, not milliseconds.
PAGE_TIMEOUT = 120.0


async def dashboard(request: web.Request) -> web.Response:
    try:
        since = parse_since(request.query.get("since", "7d"))
    except ValueError as error:
        raise web.HTTPBadRequest(text=str(error))
    service = request.app[INSIGHT]

    def build() -> str:
        service.ingest_pending()
        report = service.report(since=since, until=datetime.now(timezone.utc))
        return render_page(report, title="Contact-centre insight")

    page = await run_blocking(build, timeout=PAGE_TIMEOUT)
    return web.Response(text=page, content_type="text/html",
                        headers={"Cache-Control": "no-store"})


def dashboard_app(settings: Settings, *, engine: Optional[Engine] = None,
                  service: Optional[InsightService] = None) -> web.Application:
    """A sub-app with the dashboard page at ``/``; mount it where the desk wants it."""
    app = web.Application()
    app[INSIGHT] = service or InsightService(engine=engine, events=events_location(settings))
    app.router.add_get("/", dashboard)
    return app


__all__ = ["dashboard_app"]
