"""``careline insight consume --port P``: the RabbitMQ consumer as a supervised service.

The consumer drains the events queue into the analytics store; the process serves
``/health`` beside it so a supervisor (``careline up``, Compose, Kubernetes) knows it
holds its queue. ``/health`` answers 503 until the queue is declared and bound, and
the process exits when the consumer stops for any reason, so a supervisor restarts
it rather than keeping a healthy-looking process that consumes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

from aiohttp import web

from careline.insight.service import InsightService
from careline.insight.stream import PikaEventConsumer
from careline.observability.aiohttp_metrics import mount
from careline.observability.probes import BrokerQueues
from careline.settings import get_settings

logger = logging.getLogger(__name__)
CONSUMER = web.AppKey("consumer", PikaEventConsumer)


async def health(request: web.Request) -> web.Response:
    consumer = request.app[CONSUMER]
    body = {"status": "ok" if consumer.connected else "connecting",
            "queue": consumer.queue_name, "consumed": consumer.consumed}
    return web.json_response(body, status=200 if consumer.connected else 503)


def build_app(consumer: PikaEventConsumer) -> web.Application:
    app = web.Application()
    app[CONSUMER] = consumer
    app.router.add_get("/health", health)
    # /metrics: how far behind the events queue is (and the desk's, on the same broker)
    depths = BrokerQueues(consumer.url, sorted({consumer.queue_name,
                                                get_settings().desk_event_queue}))
    mount(app, service="insight", probes=[depths])

    async def close_probe(_: web.Application) -> None:
        await depths.close()

    app.on_cleanup.append(close_probe)
    return app


async def serve(service: InsightService, consumer: PikaEventConsumer, *,
                host: str, port: int, stop: Optional[asyncio.Event] = None) -> None:
    """Serve /health on ``host:port`` while the consumer runs; return (or raise) when it
    stops (``stop`` set, or an error)."""
    runner = web.AppRunner(build_app(consumer), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        logger.info("insight consumer on queue %s; health on http://%s:%s/health",
                    consumer.queue_name, host, port)
        await service.consume(consumer, stop)
    finally:
        await runner.cleanup()
