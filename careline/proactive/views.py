"""The incidents API an operator's network system calls, and its small server.

``POST /incidents`` with ``Authorization: Bearer <CARELINE_INCIDENT_API_TOKEN>``
and an :class:`IncidentUpdate` body. The update is recorded and planned
before the answer (so a bad one is refused there and then), and the notices
go out in the background: ``202`` for a new update, ``200`` with
``"duplicate": true`` for one already received (nothing is sent twice),
``409`` for a reused version with different content, ``422`` for a body or
area that cannot be used, ``401`` without the token.
``GET /incidents/{id}`` reports what was sent and skipped. On start the server
finishes the notices a killed predecessor left (careline/proactive/recovery.py).
Every 30 s it sends notices held back by quiet hours once they end, and enters
sent notices into Rasa conversations that were not reachable before.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from typing import Any, Optional

from aiohttp import web
from pydantic import ValidationError

from careline.bearer import bearer_matches
from careline.db.session import run_blocking
from careline.observability.aiohttp_metrics import mount
from careline.observability.metrics import refused
from careline.observability.probes import notices_probe
from careline.proactive.schemas import IncidentUpdate
from careline.proactive.service import OutageCare, UnknownArea, VersionConflict
from careline.settings import Settings

logger = logging.getLogger(__name__)
CARE = web.AppKey("care", OutageCare)
TOKEN = web.AppKey("token", str)
TASKS: web.AppKey[set[asyncio.Task[Any]]] = web.AppKey("tasks", set)
TRACKER_SYNC_SECONDS = 30.0


def _authorised(request: web.Request) -> bool:
    return bearer_matches(request.headers.get("Authorization"), request.app[TOKEN])


def _problem(status: int, message: str, **extra: object) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


async def post_incident(request: web.Request) -> web.Response:
    if not _authorised(request):
        refused(channel="incidents", reason="unauthorised")
        return _problem(401, "missing or wrong bearer token")
    try:
        update = IncidentUpdate.parse_raw(await request.text())
    except ValidationError as error:
        return _problem(422, "invalid incident update", details=json.loads(error.json()))
    care = request.app[CARE]
    try:
        accepted = await care.accept(update)
    except VersionConflict as error:
        return _problem(409, str(error))
    except UnknownArea as error:
        return _problem(422, str(error))
    task = asyncio.create_task(care.dispatch(accepted))
    request.app[TASKS].add(task)
    task.add_done_callback(_finished(request.app))
    body = {"incident_id": update.incident_id, "version": update.version,
            "duplicate": accepted.duplicate, "stale": accepted.stale,
            "already_sent": accepted.already_sent}
    return web.json_response(body, status=200 if accepted.duplicate or accepted.stale else 202)


def _finished(app: web.Application):  # type: ignore[no-untyped-def]
    def done(task: asyncio.Task[None]) -> None:
        app[TASKS].discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("dispatching notices failed: %s", task.exception())
    return done


async def get_incident(request: web.Request) -> web.Response:
    if not _authorised(request):
        return _problem(401, "missing or wrong bearer token")
    incident_id = request.match_info["incident_id"]
    found = await run_blocking(functools.partial(request.app[CARE].incident_counts,
                                                 incident_id=incident_id))
    if not found:
        return _problem(404, f"no notices for incident {incident_id}")
    return web.json_response({"incident_id": incident_id, "notices": found})


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_app(care: OutageCare, *, token: str,
              tracker_sync_seconds: Optional[float] = TRACKER_SYNC_SECONDS) -> web.Application:
    """The incidents API; on start it finishes what a killed sender left (settles its
    ``sending`` notices, sends its ``pending`` ones: careline/proactive/recovery.py); every
    so often it also sends notices held by quiet hours whose morning has come, sends again
    notices refused for a passing reason (Twilio or Rasa away, also those of `careline
    incident open`) and retries entering sent notices into Rasa."""
    app = web.Application(client_max_size=256 * 1024)
    app[CARE] = care
    app[TOKEN] = token
    app[TASKS] = set()
    app.router.add_post("/incidents", post_incident)
    app.router.add_get("/incidents/{incident_id}", get_incident)
    app.router.add_get("/health", health)
    mount(app, service="incidents", probes=[notices_probe(care.engine)])

    async def sync_trackers(app: web.Application) -> None:
        try:
            await app[CARE].resume()
        except Exception:  # noqa: BLE001 - what is left is sent by the next start
            logger.exception("sending the notices a stopped sender left failed")
        while True:
            await asyncio.sleep(tracker_sync_seconds or 0)
            try:
                await app[CARE].release_held()
                await app[CARE].retry_failed()
                await app[CARE].record_in_trackers()
            except Exception:  # noqa: BLE001 - keep going; the log says why
                logger.exception("releasing held notices or entering them into Rasa failed")

    async def start(app: web.Application) -> None:
        if tracker_sync_seconds:
            try:  # before the first request: nothing is being sent yet
                await app[CARE].settle()
            except Exception:  # noqa: BLE001 - they stay ``sending`` until the next start
                logger.exception("settling the notices a stopped sender left failed")
            app[TASKS].add(asyncio.create_task(sync_trackers(app)))

    async def stop(app: web.Application) -> None:
        tasks = app[TASKS]
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await app[CARE].close()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return app


def incident_api_token(settings: Settings) -> str:
    """The API token: the environment's, or a generated local one (``careline run``)."""
    return settings.secret("incident_api_token")

