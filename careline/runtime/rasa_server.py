"""``python -m careline.runtime.rasa_server run …``: Rasa, its API token out of sight.

Rasa takes its HTTP API token only as ``--auth-token`` on the command line, where any
user of the machine reads it with ``ps``. Careline's supervisors start this module
instead: it appends the token from ``CARELINE_RASA_TOKEN`` to ``sys.argv`` inside the
process, which ``ps`` (the process's original command line) never shows.
"""

from __future__ import annotations

import os
import sys

TOKEN_VARIABLE = "CARELINE_RASA_TOKEN"


def main() -> None:
    token = os.environ.get(TOKEN_VARIABLE)
    if token:
        # one argument: a token_urlsafe token may start with "-"
        sys.argv.append(f"--auth-token={token}")
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
