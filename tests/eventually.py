"""Waiting for something a background task does, with a deadline instead of a sleep."""

from __future__ import annotations

import asyncio
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


async def eventually_async(check: Callable[[], Any], *, timeout: float = 60.0) -> Any:
    """:func:`eventually` for a condition that work on the running event loop makes true:
    polls without blocking the loop."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout}s")
