"""Rendering one service's ``/metrics``, after refreshing the gauges read at scrape time.

A queue depth is a question to a database or a broker, asked when Prometheus scrapes
rather than on a timer: a process nobody scrapes asks nothing. A probe that fails
leaves its gauge as it was and says so in the log; the scrape still answers.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from careline.observability.metrics import registry_for

logger = logging.getLogger(__name__)

#: Sets one or more gauges from what it reads (a count in the database, a queue's depth).
Probe = Callable[[], Awaitable[None]]
METRICS_PATH = "/metrics"
CONTENT_TYPE = CONTENT_TYPE_LATEST


async def render(service: str, probes: Sequence[Probe] = ()) -> bytes:
    """The text exposition of ``service``'s registry, its probes run first."""
    for probe in probes:
        try:
            await probe()
        except Exception as error:  # noqa: BLE001 - a scrape must answer with what it has
            logger.warning("metrics probe %s failed: %r",
                           getattr(probe, "__name__", probe), error)
    return generate_latest(registry_for(service))
