"""The desk's machine API (bearer token, no session): the outbox worker's handoffs, the queue.

Kept apart from the agents' pages (careline.desk.views), which need a session and CSRF.
"""

from __future__ import annotations

import functools
import json
from typing import Optional

from aiohttp import web
from pydantic import ValidationError

from careline import clock
from careline.bearer import bearer_matches
from careline.db.session import run_blocking
from careline.desk.events import BrokerMessage
from careline.desk.service import DeskService
from careline.desk.views import API_TOKEN, DESK, EARLY
from careline.handoff.schemas import ContextPackage


def routes(app: web.Application) -> None:
    app.router.add_post("/api/handoffs", receive_handoff)
    app.router.add_get("/api/queue", queue_json)


async def receive_handoff(request: web.Request) -> web.Response:
    """Machine API for the outbox worker: 201 new ticket, 200 already had it."""
    if not bearer_matches(request.headers.get("Authorization"), request.app[API_TOKEN]):
        return web.json_response({"error": "missing or wrong bearer token"}, status=401)
    try:
        package = ContextPackage.parse_raw(await request.text())
    except ValidationError as error:
        return web.json_response({"error": "not a valid context package",
                                  "details": json.loads(error.json())}, status=422)
    key = request.headers.get("Idempotency-Key")
    if key and key != package.idempotency_key:
        return web.json_response({"error": "Idempotency-Key does not match the package"},
                                 status=422)
    result = await run_blocking(functools.partial(request.app[DESK].receive_handoff,
                                                  package=package))
    if result.created:
        for early in request.app[EARLY].take(package.conversation.conversation_id,
                                              now=clock.now()):
            await record_line(request.app[DESK], early)
    return web.json_response({"ticket_id": result.ticket_id, "created": result.created},
                             status=201 if result.created else 200)


async def record_line(desk: DeskService, message: BrokerMessage) -> Optional[int]:
    """A broker line on its conversation's open ticket (``None``: no such ticket)."""
    return await run_blocking(functools.partial(
        desk.record_event, conversation_id=message.conversation_id, speaker=message.speaker,
        text=message.text, at=message.at, source_key=message.source_key, media=message.media,
        location=message.location))


async def queue_json(request: web.Request) -> web.Response:
    if not bearer_matches(request.headers.get("Authorization"), request.app[API_TOKEN]):
        return web.json_response({"error": "missing or wrong bearer token"}, status=401)
    entries = await run_blocking(request.app[DESK].queue)
    return web.json_response([
        {"ticket_id": e.ticket_id, "conversation_id": e.conversation_id, "reason": e.reason,
         "priority": e.priority.score, "level": e.priority.level, "status": e.status,
         "customer_name": e.customer_name, "waiting_seconds": e.waiting_seconds}
        for e in entries])
