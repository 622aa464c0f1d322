"""Container health check: exit 0 when this container's health URL answers 2xx.

One image runs every Careline process, each on its own port and health path, so the
image's HEALTHCHECK asks the URL given as the first argument, else ``HEALTHCHECK_URL``
(compose.yaml and the Helm chart name it per service), else the Rasa server's. Standard
library only: the check adds nothing to the image and starts in a few milliseconds.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from typing import Sequence

#: The image's default command is the Rasa server; it answers on / once the model is loaded.
DEFAULT_URL = "http://127.0.0.1:5005/"
TIMEOUT_SECONDS = 4.0


def healthy(url: str, timeout: float = TIMEOUT_SECONDS) -> bool:
    """Whether ``url`` answers with a 2xx status within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return 200 <= response.status < 300
    except (OSError, ValueError) as error:  # refused, timed out, 4xx/5xx (HTTPError), bad URL
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return False


def main(argv: Sequence[str]) -> int:
    url = argv[1] if len(argv) > 1 else os.environ.get("HEALTHCHECK_URL", DEFAULT_URL)
    return 0 if healthy(url) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
