"""A desk whose database is away answers 503, never 500.

The outbox worker retries a 503 for as long as it lasts, but counts a 500 as a try
against the handoff and parks it after ``CARELINE_POISON_MAX_TRIES``
(careline.handoff.worker): a database outage must not park the handoffs sent during it.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

from aiohttp import web

from careline.poison.rules import describe, is_outage

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 5


@web.middleware
async def database_away_is_503(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as error:  # noqa: BLE001 - only an outage is answered here
        if not is_outage(error):
            raise
        logger.warning("desk: %s %s answered 503, the database is away: %s", request.method,
                       request.path, describe(error))
        return web.json_response(
            {"error": "the desk cannot reach its database; try again shortly"}, status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
