"""Where Rasa calls the action server, and the secret it sends: from careline.settings.

Why not in endpoints.yml. Rasa 3.6 expands ``${VAR}`` there with ``os.path.expandvars``
and refuses the whole file when a variable is unset (there is no ``${VAR:-default}``), so
a file of ``${CARELINE_*}`` variables broke ``rasa shell``, ``rasa run`` and ``rasa
interactive`` in a plain shell; a literal URL or secret in the file would be wrong for
``careline up``, Compose and Helm. So endpoints.yml leaves both out, and a patch of
Rasa's ``Agent.__init__`` (installed by :mod:`careline.rasa_integration.patches` before
any Agent is made) fills them in:

* the URL from :attr:`Settings.resolved_action_endpoint` (``CARELINE_ACTION_ENDPOINT``,
  else the local action server on ``CARELINE_ACTIONS_PORT``);
* ``Authorization: Bearer`` from :func:`careline.runtime.action_secret.action_secret`
  (``CARELINE_ACTION_SECRET``, else the generated ``<data dir>/secrets/action-secret``
  that the local action server reads too). The production profile refuses an empty
  secret when the settings are built, so production never gets a generated one.

What the file does say (a ``url``, a header) wins.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from rasa.core.agent import Agent
from rasa.utils.endpoints import EndpointConfig

from careline.runtime.action_secret import action_secret
from careline.settings import Settings, get_settings


def resolved(endpoint: Optional[EndpointConfig], settings: Settings) -> Optional[EndpointConfig]:
    """``endpoint`` with Careline's URL and secret where it has none; ``None`` stays
    ``None`` (a command without endpoints, like ``rasa test``, calls no action server)."""
    if endpoint is None:
        return None
    headers = dict(endpoint.headers)
    if not any(name.lower() == "authorization" for name in headers):
        headers["Authorization"] = f"Bearer {action_secret(settings)}"
    return EndpointConfig(
        url=endpoint.url or settings.resolved_action_endpoint, params=endpoint.params,
        headers=headers, basic_auth=endpoint.basic_auth, token=endpoint.token,
        token_name=endpoint.token_name, cafile=endpoint.cafile, **endpoint.kwargs,
    )


def resolving_action_endpoint(original: Callable[..., None]) -> Callable[..., None]:
    """The patch of ``Agent.__init__``: every Agent made calls the resolved endpoint."""

    def __init__(self: Agent, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.action_endpoint = resolved(self.action_endpoint, get_settings())

    return __init__
