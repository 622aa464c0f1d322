"""Folding events into the insight store in the background, so a page view never pays for
a backlog.

The dashboard pages used to fold everything pending before computing the figures: after
a busy day that was minutes of folding inside one page view (a million events took the
page over the bound of its request). Now the process that serves the pages folds new
events every ``CARELINE_INSIGHT_FOLD_SECONDS`` in steps of :data:`STEP` events, and a
page view folds at most :data:`~careline.insight.views.PAGE_CATCH_UP` itself (the few
seconds since the last step). Production folds from RabbitMQ with ``careline insight
consume``; there the SQL broker reader is absent and each step reads nothing.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import AsyncIterator, Callable

from aiohttp import web

from careline.db.session import run_blocking
from careline.insight.service import InsightService

logger = logging.getLogger(__name__)
#: Events folded in one step (a few seconds' work); a backlog is folded step after step.
STEP = 20_000
#: Bound of one step, generous for a slow database.
STEP_TIMEOUT = 600.0


async def fold_forever(service: InsightService, *, interval: float) -> None:
    """Fold new events step by step; wait ``interval`` seconds once caught up."""
    while True:
        try:
            read = await run_blocking(functools.partial(service.ingest_pending, limit=STEP),
                                      timeout=STEP_TIMEOUT)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a database that is down: try again later
            logger.exception("insight: folding new events failed; trying again")
            read = 0
        if read < STEP:
            await asyncio.sleep(interval)


def folding_in_background(service_key: web.AppKey[InsightService], *, interval: float
                          ) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp ``cleanup_ctx`` entry that folds for as long as the app runs."""
    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(fold_forever(app[service_key], interval=interval))
        yield
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    return context


__all__ = ["STEP", "fold_forever", "folding_in_background"]
