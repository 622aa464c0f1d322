"""``GET /metrics`` and Careline's logging on a Rasa server, through Rasa's own plug-in
point for HTTP routes: an input channel, listed in credentials.yml.

Rasa builds its Sanic app itself (``rasa run``), so Careline adds to it only what a
custom connector may: this channel's blueprint takes no messages; it serves the Rasa
process's metrics (careline/observability/metrics.py, service ``rasa``) at ``/metrics``
(its URL prefix replaces the usual ``/webhooks/<name>``) and, when the server starts,
routes Rasa's, Sanic's and structlog's loggers through Careline's redacting handler and
adds the app-wide middleware that counts requests by route and gives each its own
correlation id (a Sanic listener: the one moment a blueprint is handed the app).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint

from careline.observability.exposition import METRICS_PATH
from careline.observability.logs import configure_logging
from careline.observability.sanic_metrics import (measure_requests, metrics_route,
                                                  relog_when_serving)

SERVICE = "rasa"


class MetricsChannel(InputChannel):
    """Not a channel customers use: the Rasa process's ``/metrics`` and logging."""

    @classmethod
    def name(cls) -> str:
        return "careline_metrics"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        return cls()

    def url_prefix(self) -> str:
        # Rasa joins it onto "/webhooks/": an absolute path replaces that prefix
        return METRICS_PATH

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        configure_logging(SERVICE)
        hooks = Blueprint(self.name(), __name__)
        hooks.add_route(metrics_route(SERVICE), "", methods=["GET"])
        relog_when_serving(hooks, SERVICE)

        async def measured(app: Any, _loop: Any) -> None:
            measure_requests(app)  # Rasa's whole app: its HTTP API and every channel

        hooks.listener("before_server_start")(measured)
        return hooks
