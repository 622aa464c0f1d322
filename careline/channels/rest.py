"""Careline's REST channel: Rasa's REST webhook, for trusted callers only.

Rasa's own ``rest`` channel answers anyone and takes ``sender``, ``input_channel`` and
``metadata`` from the request body, so a caller could name a customer's conversation or
claim to be a WhatsApp customer. This one requires a bearer token
(``CARELINE_REST_TOKEN``; locally a generated secret, and under the production profile
the channel is off unless a real token is set), proves no identity (a REST conversation
is anonymous until it signs in with a code texted to the number on file), forces the
input channel to ``rest``, keeps no metadata, and prefixes every sender id with
``rest:``, so a REST caller can never write into a customer's conversation.

Behind nginx a turn's message id is the request's ``X-Request-ID``, which nginx sets and
keeps when it passes the request on to another replica, so a turn run again there keys
its account writes as the first run did (careline/profile/idempotency.py).
"""

from __future__ import annotations

import contextvars
import uuid
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from careline.bearer import bearer_matches
from careline.channels.proven_turn import run_proven
from careline.deploy.nginx import REQUEST_ID_HEADER
from careline.identity.channel_trust import Proof
from careline.observability import metrics
from careline.settings import MissingSecret, Settings, get_settings

SENDER_PREFIX = "rest:"
#: The request's id from nginx, set by the request middleware for the turn it runs (Rasa's
#: REST handler builds the message without the request's headers).
_REQUEST_ID: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar(
    "rest_request_id", default=None)


def rest_token(settings: Optional[Settings] = None) -> Optional[str]:
    """The REST channel's token: ``CARELINE_REST_TOKEN``, locally a generated one;
    None (the channel is off) under the production profile without a real token."""
    try:
        return (settings or get_settings()).secret("rest_token")
    except MissingSecret:
        return None


def refusal(authorization: Optional[str], token: Optional[str]) -> Optional[tuple[int, str]]:
    """Why a REST call is refused (HTTP status and reason), or None to let it through."""
    if token is None:
        return 403, "the REST channel is off: set CARELINE_REST_TOKEN"
    if not bearer_matches(authorization, token):
        return 401, "the REST channel needs its bearer token"
    return None


class CarelineRestInput(RestInput):
    """Rasa's REST webhook (``/webhooks/rest/webhook``) behind a bearer token."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        return cls()

    def __init__(self, *, settings: Optional[Settings] = None) -> None:
        self.settings = settings or get_settings()

    async def _extract_sender(self, req: Request) -> Optional[str]:
        sender = req.json.get("sender") if isinstance(req.json, dict) else None
        return f"{SENDER_PREFIX}{sender or uuid.uuid4().hex}"

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()  # never the body's: it could claim "whatsapp"

    def get_metadata(self, request: Request) -> Optional[dict[str, Any]]:
        return None  # a caller's metadata must not pass for a channel's facts downstream

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        token = rest_token(self.settings)

        async def anonymous(message: UserMessage) -> Any:
            request_id = _REQUEST_ID.get()
            if request_id:
                message.message_id = f"rest-{request_id}"
            return await run_proven(on_new_message, message, customer_id=None,
                                    proved_by=Proof.NOTHING)

        hooks = super().blueprint(anonymous)

        async def require_token(request: Request) -> Optional[HTTPResponse]:
            if not request.path.endswith("/webhook"):
                return None  # the health check
            refused = refusal(request.headers.get("Authorization"), token)
            if refused is None:
                _REQUEST_ID.set(request.headers.get(REQUEST_ID_HEADER))
                return None
            status, error = refused
            metrics.refused(channel="rest", reason="unauthorised" if status == 401 else "off")
            return response.json({"error": error}, status=status)

        hooks.middleware(require_token, "request")
        return hooks
