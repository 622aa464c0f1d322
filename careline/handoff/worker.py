"""Deliver outbox handoffs to the desk: retries with backoff, idempotency keys.

The desk answers 201 for a new ticket and 200 for a key it already holds, so
a retry after a lost acknowledgement never makes a second ticket. Network
errors and 5xx answers are retried with exponential backoff; a 4xx (other
than 408/429) means the desk refuses this package, which retrying cannot fix,
so it is marked rejected and shown by ``careline handoffs``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

import aiohttp
from aiohttp import web

from careline.db.retention import prune_forever
from careline.db.session import run_blocking
from careline.handoff.outbox import CONSUMER, OutboxItem, OutboxService
from careline.observability.aiohttp_metrics import mount
from careline.observability.metrics import HANDOFFS_DELIVERED
from careline.observability.probes import outbox_probe
from careline.poison.ledger import PoisonLedger
from careline.poison.rules import is_outage

logger = logging.getLogger(__name__)
RETRYABLE_CLIENT_ERRORS = frozenset({408, 409, 425, 429})


class DeskFailed(Exception):
    """The desk answered HTTP 500 for a package: it failed on it, it was not away."""


@dataclass(frozen=True)
class DeliveryResult:
    delivered: int
    failed: int


class OutboxWorker:
    def __init__(self, *, outbox: OutboxService, desk_url: str, token: str,
                 max_backoff: float = 60.0, timeout: float = 5.0,
                 ledger: Optional[PoisonLedger] = None, max_tries: int = 5) -> None:
        self.outbox = outbox
        self.ledger = ledger or PoisonLedger(outbox.engine)
        self.max_tries = max_tries
        self.endpoint = desk_url.rstrip("/") + "/api/handoffs"
        self.token = token
        self.max_backoff = max_backoff
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def run_once(self, http: aiohttp.ClientSession) -> DeliveryResult:
        """Try every due handoff once.

        A handoff the worker itself fails on (or the desk answers HTTP 500 for) counts a
        try against it, and after ``max_tries`` it is parked, so it cannot hold up the
        handoffs behind it for ever; a database that is away fails the whole pass instead.
        """
        due = await run_blocking(self.outbox.due)
        delivered = failed = 0
        for item in due:
            try:
                ok = await self._deliver(http, item)
            except Exception as error:  # noqa: BLE001 - the ledger tells poison from outages
                if is_outage(error):
                    raise
                logger.exception("handoff %s: the worker failed on it", item.idempotency_key)
                await self._count_try(item, error)
                ok = False
            delivered, failed = delivered + ok, failed + (not ok)
        return DeliveryResult(delivered=delivered, failed=failed)

    async def _count_try(self, item: OutboxItem, error: BaseException) -> None:
        outcome = await run_blocking(functools.partial(
            self.ledger.failed, consumer=CONSUMER, key=item.idempotency_key, error=error,
            max_tries=self.max_tries))
        if outcome.parked:
            await run_blocking(functools.partial(self.outbox.mark_parked,
                                                 entry_id=item.entry_id))

    async def run_forever(self, *, interval: float = 0.3) -> None:
        async with aiohttp.ClientSession(timeout=self.timeout) as http:
            while True:
                try:
                    await self.run_once(http)
                except Exception:  # the database may be briefly away; keep the loop alive
                    logger.exception("outbox pass failed; retrying")
                await asyncio.sleep(interval)

    async def _deliver(self, http: aiohttp.ClientSession, item: OutboxItem) -> bool:
        headers = {"Authorization": f"Bearer {self.token}", "Idempotency-Key": item.idempotency_key,
                   "Content-Type": "application/json"}
        try:
            async with http.post(self.endpoint, data=item.payload, headers=headers,
                                 timeout=self.timeout) as response:
                if response.status in (200, 201):
                    await run_blocking(functools.partial(self.outbox.mark_delivered,
                                                         entry_id=item.entry_id))
                    logger.info("handoff %s delivered (HTTP %s, attempt %s)",
                                item.idempotency_key, response.status, item.attempts + 1)
                    HANDOFFS_DELIVERED.labels(item.package().reason.value).inc()
                    if item.last_error is not None:
                        await run_blocking(functools.partial(
                            self.ledger.succeeded, consumer=CONSUMER, key=item.idempotency_key))
                    return True
                body = (await response.text())[:300]
                error = f"desk answered HTTP {response.status}: {body}"
                permanent = 400 <= response.status < 500 and \
                    response.status not in RETRYABLE_CLIENT_ERRORS
                desk_failed = response.status == 500  # 502-504: the desk is away
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            error, permanent = f"desk unreachable: {exc.__class__.__name__}: {exc}", False
            desk_failed = False
        result = await run_blocking(functools.partial(
            self.outbox.mark_failed, entry_id=item.entry_id, error=error, permanent=permanent,
            max_backoff=self.max_backoff))
        logger.warning("handoff %s not delivered (attempt %s): %s; %s",
                       item.idempotency_key, result.attempts, error,
                       "giving up" if permanent else f"next try at {result.next_attempt_at}")
        if desk_failed:
            await self._count_try(item, DeskFailed(error))
        return False


def build_worker_app(worker: OutboxWorker, *, keep_keys: timedelta,
                     interval: float = 0.3) -> web.Application:
    """The worker as a tiny service: the delivery loop plus /health for the supervisor, and
    the pruning of keys older than ``keep_keys`` (careline/db/retention.py): the worker is
    the one process that runs once, with Careline's database, in every stack."""
    app = web.Application()

    async def health(_: web.Request) -> web.Response:
        pending = await run_blocking(worker.outbox.undelivered)
        return web.json_response({"status": "ok", "undelivered": len(pending)})

    async def start_loop(app: web.Application) -> None:
        app["loop_task"] = asyncio.create_task(worker.run_forever(interval=interval))
        app["prune_task"] = asyncio.create_task(
            prune_forever(engine=worker.outbox.engine, keep=keep_keys))

    async def stop_loop(app: web.Application) -> None:
        for name in ("loop_task", "prune_task"):
            task: Optional[asyncio.Task[None]] = app.get(name)
            if task:
                task.cancel()

    app.router.add_get("/health", health)
    mount(app, service="handoff-worker", probes=[outbox_probe(worker.outbox)])
    app.on_startup.append(start_loop)
    app.on_cleanup.append(stop_loop)
    return app
