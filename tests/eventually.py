"""Waiting for something a background task does, with a deadline instead of a sleep."""

from __future__ import annotations

import time
from typing import Any, Callable


def eventually(check: Callable[[], Any], *, timeout: float = 60.0) -> Any:
    """Poll ``check`` until it returns something truthy, and return that; fail at ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"condition not met within {timeout}s")
