"""The shared secret between Rasa and the action server, and the one rule that checks it.

The action server believes the tracker it is posted: a call whose slots say
``verified: true`` and name a customer is answered with that customer's account. So
only Rasa may call it: Rasa sends ``Authorization: Bearer <secret>`` on every action
call (careline/rasa_integration/action_endpoint.py adds it to endpoints.yml's action endpoint;
a header, so the secret is in no URL and no access log), and
:mod:`careline.runtime.action_server` refuses anything else. Only ``/health`` stays
open, for the supervisors' and load balancers' probes, and ``/metrics`` (counts and
timings by action name, nothing of a customer's) for Prometheus.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Optional

from careline.bearer import bearer_matches, presented_token
from careline.settings import Settings

#: The environment variable that gives Rasa and the action server the secret (never a
#: command line: ``ps`` shows those to every user of the machine).
SECRET_VARIABLE = "CARELINE_ACTION_SECRET"
OPEN_PATHS = frozenset({"/health", "/metrics"})


def action_secret(settings: Settings) -> str:
    """``CARELINE_ACTION_SECRET``, or a random local one kept in the data dir (the
    production profile refuses an empty one, careline/settings.py)."""
    return settings.secret("action_secret")


def refusal(*, path: str, authorization: Optional[str], secret: str) -> Optional[HTTPStatus]:
    """Why a request to the action server is refused, or ``None`` when it may pass.

    401 without a bearer credential, 403 with the wrong one (careline/bearer.py: a
    constant-time comparison, and an empty ``secret`` refuses everything, so a
    misconfigured server does not fall open).
    """
    if path in OPEN_PATHS:
        return None
    if presented_token(authorization) is None:
        return HTTPStatus.UNAUTHORIZED
    if not bearer_matches(authorization, secret):
        return HTTPStatus.FORBIDDEN
    return None
