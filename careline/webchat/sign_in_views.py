"""The page's sign-in step over HTTP: ``POST …/sign-in/start`` and ``…/sign-in/check``.

Their logic is :class:`careline.webchat.sign_in.WebSignIn`'s; here only the requests'
bodies are read and each outcome given its HTTP answer.
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.socketio import SocketBlueprint
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from careline.webchat.sign_in import SignInRefused, WebSignIn

logger = logging.getLogger(__name__)

CODE_SENT = ("If that's one of our customers, we've texted a 6-digit code to the number on "
             "file. Enter it here, or your 4-digit PIN.")
NO_MATCH = "That code or PIN doesn't match."


def add_sign_in_routes(hooks: SocketBlueprint, sign_in: Callable[[], WebSignIn]) -> None:
    """The two steps, on the channel's blueprint; ``sign_in`` gives the service (built
    when first used)."""

    async def start(request: Request) -> HTTPResponse:
        body = _json_body(request)
        return await _answer(sign_in().start(
            session_token=body.get("session_token"), who=body.get("who")),
            lambda challenge: response.json({"challenge": challenge, "message": CODE_SENT}))
    hooks.add_route(start, "/sign-in/start", methods=["POST"])

    async def check(request: Request) -> HTTPResponse:
        body = _json_body(request)
        return await _answer(sign_in().check(
            session_token=body.get("session_token"), challenge=body.get("challenge"),
            answer=body.get("answer")),
            lambda checked: response.json({"grant": checked.grant}) if checked.grant
            else response.json({"error": NO_MATCH, "tries_left": checked.tries_left},
                               status=401))
    hooks.add_route(check, "/sign-in/check", methods=["POST"])


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - malformed JSON is an empty request
        return {}
    return body if isinstance(body, dict) else {}


async def _answer(step: Awaitable[Any], ok: Callable[[Any], HTTPResponse]) -> HTTPResponse:
    """A sign-in step's HTTP answer: its result, its refusal, or 503 when a store failed."""
    try:
        return ok(await step)
    except SignInRefused as refused:
        return response.json({"error": refused.reason}, status=refused.status)
    except Exception:  # noqa: BLE001 - logged; nothing is said about the account
        logger.exception("web chat sign-in step failed")
        return response.json({"error": "sign-in is unavailable; please try again"},
                             status=503)
