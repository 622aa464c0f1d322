"""``python -m careline.runtime.rasa_server run …``: Rasa with Careline's patches installed
first and its API token out of sight.

Every Careline stack starts Rasa this way (``careline run``, ``careline up``, Compose,
Helm, the image), so here is where Careline's changes to Rasa are installed, explicitly,
before Rasa reads a model or builds a store
(:func:`careline.rasa_integration.patches.install_server`: the turn hooks, and the heap
freeze after the model is loaded). Rasa's own CLI gets the turn hooks from Careline's
stores instead.

Rasa takes its HTTP API token only as ``--auth-token`` on the command line, where any
user of the machine reads it with ``ps``. This module appends the token from
``CARELINE_RASA_TOKEN`` to ``sys.argv`` inside the process, which ``ps`` (the process's
original command line) never shows.
"""

from __future__ import annotations

import os
import sys

TOKEN_VARIABLE = "CARELINE_RASA_TOKEN"


def main() -> None:
    from careline.observability.redact import install_log_redaction

    install_log_redaction()
    token = os.environ.get(TOKEN_VARIABLE)
    if token:
        # one argument: a token_urlsafe token may start with "-"
        sys.argv.append(f"--auth-token={token}")
    from careline.rasa_integration.patches import install_server

    install_server()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
