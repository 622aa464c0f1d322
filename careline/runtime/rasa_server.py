"""``python -m careline.runtime.rasa_server run …``: Rasa, its API token out of sight and
its model out of the garbage collector's way.

Rasa takes its HTTP API token only as ``--auth-token`` on the command line, where any
user of the machine reads it with ``ps``. Careline's supervisors start this module
instead: it appends the token from ``CARELINE_RASA_TOKEN`` to ``sys.argv`` inside the
process, which ``ps`` (the process's original command line) never shows.

Once the model is loaded, every object then alive (the model, TensorFlow's and Rasa's
modules: over half a million objects) is frozen (``gc.freeze``): a full collection
otherwise walks them all, and under load that stalled a replica's event loop for
190–380 ms a time; frozen, about 4 ms (docs/production.md). They live as long as the
process anyway.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from typing import Any

TOKEN_VARIABLE = "CARELINE_RASA_TOKEN"

logger = logging.getLogger(__name__)


def main() -> None:
    from careline.observability.redact import install_log_redaction

    install_log_redaction()
    token = os.environ.get(TOKEN_VARIABLE)
    if token:
        # one argument: a token_urlsafe token may start with "-"
        sys.argv.append(f"--auth-token={token}")
    _freeze_heap_after_loading()
    from rasa.__main__ import main as rasa_main

    rasa_main()


def _freeze_heap_after_loading() -> None:
    """Wrap Rasa's model loader (it runs before the server takes requests) with the freeze."""
    import rasa.core.run as rasa_run  # registers load_agent_on_start when serving, by name

    load = rasa_run.load_agent_on_start

    async def load_then_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load(*args, **kwargs)
        gc.collect()
        gc.freeze()
        logger.info("%d objects loaded with the model frozen out of garbage collection",
                    gc.get_freeze_count())
        return agent

    rasa_run.load_agent_on_start = load_then_freeze


if __name__ == "__main__":
    main()
