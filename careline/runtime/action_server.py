"""``python -m careline.runtime.action_server --port P --host H``: rasa_sdk's action server,
refusing every caller but Rasa.

``python -m rasa_sdk`` listens on every interface (``SANIC_HOST`` or 0.0.0.0) and runs
whatever tracker it is posted, so anyone who reaches its port could post ``verified:
true`` and a customer id and read that customer's balance. Every place Careline starts
an action server (``make run``, ``careline up``, the fault tests and the load bench
through careline/deploy/stack.py) starts this module instead: rasa_sdk's own app
(``create_app``: its executor and routes untouched) with one request middleware that
applies :func:`careline.runtime.action_secret.refusal`, bound to the address it is told
(``CARELINE_BIND_HOST``, loopback by default). The secret comes from the environment
(``CARELINE_ACTION_SECRET``), never from the command line.

rasa_sdk's own error handler answers a failed action with the request it was sent (the
whole tracker: slots, the customer's messages, a PIN just typed) and the exception's
text, and Rasa writes that answer into its log. Ours answers only that the action
failed; the details stay in this server's log.
"""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Optional

from careline.observability.logs import configure_logging
from careline.observability.sanic_metrics import mount_action_server
from careline.runtime.action_secret import action_secret, refusal
from careline.settings import get_settings

if TYPE_CHECKING:
    from sanic import Sanic

ACTIONS_PACKAGE = "actions"
SERVICE = "actions"

logger = logging.getLogger(__name__)


def build_app(secret: str) -> Sanic:
    """rasa_sdk's app for Careline's actions, behind the shared-secret check."""
    from rasa_sdk.endpoint import create_app
    from sanic import response
    from sanic.request import Request

    # No CORS origins (rasa_sdk's CLI default too): no browser page may call it.
    app = create_app(ACTIONS_PACKAGE, cors_origins=None)

    async def only_rasa(request: Request) -> Optional[response.HTTPResponse]:
        status = refusal(path=request.path, authorization=request.headers.get("authorization"),
                         secret=secret)
        if status is None:
            return None
        return response.json({"error": status.phrase}, status=status.value,
                             headers={"WWW-Authenticate": "Bearer"})

    async def failed(request: Request, exception: Exception) -> response.HTTPResponse:
        logger.error("action call to %s failed", request.path, exc_info=exception)
        return response.json({"error": "the action failed; see the action server's log"},
                             status=500)

    app.middleware(only_rasa, "request")
    app.exception(Exception)(failed)  # registered after rasa_sdk's, so it replaces it
    mount_action_server(app)  # /metrics, per-action metrics, correlation ids, logging
    return app


def main(argv: Optional[list[str]] = None) -> None:
    from rasa_sdk import utils

    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=settings.actions_port)
    parser.add_argument("--host", default=settings.bind_host)
    args = parser.parse_args(argv)
    # rasa_sdk's own logging set-up, as `python -m rasa_sdk` does it
    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    # then Careline's one handler instead (JSON or text, redacted); again at server start
    configure_logging(SERVICE)
    app = build_app(action_secret(settings))
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
