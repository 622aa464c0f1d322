"""``GET /metrics`` and per-route request metrics for Careline's aiohttp services
(the Twilio gateway, the desk, the handoff worker, the incidents API).

The same middleware starts each request's correlation id afresh (from ``X-Request-ID``
when the caller sends a usable one): aiohttp serves a keep-alive connection's requests
one after another in one task, so an id left from the previous request would otherwise
label this one's log lines.
"""

from __future__ import annotations

import time
from typing import Awaitable, Callable, Sequence

from aiohttp import web

from careline.observability import correlation
from careline.observability.exposition import CONTENT_TYPE, METRICS_PATH, Probe, render
from careline.observability.metrics import HTTP_REQUESTS, HTTP_SECONDS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def mount(app: web.Application, *, service: str, probes: Sequence[Probe] = ()) -> None:
    """Add ``GET /metrics`` (``service``'s registry) and the request middleware to ``app``."""

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=await render(service, probes),
                            headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get(METRICS_PATH, metrics)
    app.middlewares.append(_measured)


def route_of(request: web.Request) -> str:
    """The matched route's pattern (``/tickets/{ticket_id}``), never the raw path."""
    info = request.match_info
    resource = info.route.resource if info.route is not None else None
    if resource is None or info.http_exception is not None:
        return "unmatched"
    return resource.canonical


@web.middleware
async def _measured(request: web.Request, handler: Handler) -> web.StreamResponse:
    correlation.use(request.headers.get(correlation.HEADER))
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        route = route_of(request)
        if route != METRICS_PATH:
            HTTP_REQUESTS.labels(route, request.method, str(status)).inc()
            HTTP_SECONDS.labels(route).observe(time.perf_counter() - started)
