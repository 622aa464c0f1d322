"""``GET /metrics``, logging and correlation ids for the action server's Sanic app.

Every action call is counted and timed by action name and outcome, and runs under its
turn's correlation id, read from the tracker Rasa posts (the latest message's id; Sanic
caches the parsed body, so rasa_sdk does not parse it twice).
"""

from __future__ import annotations

import json
import time
import zlib
from typing import TYPE_CHECKING, Any, Optional

from careline.observability import correlation
from careline.observability.exposition import CONTENT_TYPE, METRICS_PATH, render
from careline.observability.logs import configure_logging
from careline.observability.metrics import (ACTION_SECONDS, ACTIONS, HTTP_REQUESTS,
                                            HTTP_SECONDS)

if TYPE_CHECKING:
    from sanic import Sanic
    from sanic.request import Request
    from sanic.response import HTTPResponse

ACTION_CALL_PATH = "/webhook"


def metrics_route(service: str) -> Any:
    """A Sanic handler answering ``service``'s exposition."""
    from sanic import response

    async def metrics(_: Request) -> HTTPResponse:
        return response.raw(await render(service), headers={"Content-Type": CONTENT_TYPE})

    return metrics


def relog_when_serving(app: Any, service: str) -> None:
    """Configure logging again once the server starts: Sanic and the Rasa libraries set
    up their own handlers between the process's start and then (``app`` is a Sanic app
    or a blueprint)."""

    async def relog(*_: Any) -> None:
        configure_logging(service)

    app.listener("before_server_start")(relog)


def measure_requests(app: Any) -> None:
    """Count and time every request of ``app`` by route pattern, each under a correlation id
    of its own (the caller's ``X-Request-ID`` when usable): Sanic serves a keep-alive
    connection's requests in one task, where the previous request's id would linger."""

    async def start(request: Request) -> None:
        correlation.use(request.headers.get(correlation.HEADER))
        request.ctx.careline_started = time.perf_counter()

    async def done(request: Request, response: HTTPResponse) -> None:
        started = getattr(request.ctx, "careline_started", None)
        if started is None or response is None:
            return
        route = getattr(request.route, "path", None)
        route = f"/{route}" if route is not None else "unmatched"
        if route != METRICS_PATH:
            HTTP_REQUESTS.labels(route, request.method, str(response.status)).inc()
            HTTP_SECONDS.labels(route).observe(time.perf_counter() - started)

    app.register_middleware(start, "request")
    app.register_middleware(done, "response")


def mount_action_server(app: Sanic, service: str = "actions") -> None:
    """/metrics, per-action metrics, correlation ids and logging for rasa_sdk's app."""

    async def start(request: Request) -> None:
        request.ctx.careline_action = None
        if request.path != ACTION_CALL_PATH or request.method != "POST":
            correlation.use(request.headers.get(correlation.HEADER))
            return
        payload = _json(request)
        correlation.use(correlation.from_action_call(payload))
        action = payload.get("next_action") if isinstance(payload, dict) else None
        if isinstance(action, str):
            request.ctx.careline_action = action
            request.ctx.careline_started = time.perf_counter()

    async def done(request: Request, response: HTTPResponse) -> None:
        action = getattr(request.ctx, "careline_action", None)
        if action is None or response is None:
            return
        ACTIONS.labels(action, "ok" if response.status == 200 else "failed").inc()
        ACTION_SECONDS.labels(action).observe(
            time.perf_counter() - request.ctx.careline_started)

    app.middleware(start, "request")
    app.middleware(done, "response")
    app.add_route(metrics_route(service), METRICS_PATH, methods=["GET"])
    relog_when_serving(app, service)


def _json(request: Request) -> Optional[Any]:
    try:
        if request.headers.get("Content-Encoding") == "deflate":  # Rasa's optional compression
            return json.loads(zlib.decompress(request.body))
        return request.json
    except Exception:  # noqa: BLE001 - rasa_sdk answers a bad body itself
        return None
