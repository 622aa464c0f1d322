"""Careline's own Redis (the conversation lock, the per-sender counter): one client per loop.

Both stores are built before the loop that uses them runs (Rasa makes its lock store
before serving, tests use a store from several ``asyncio.run`` calls), and a redis-py
asyncio client belongs to the loop it first ran in. So each store holds a
:class:`LoopBoundRedis`, which makes its client in the running loop and a new one when
the loop changes.
"""

from __future__ import annotations

import asyncio
from typing import Optional

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError


def connect(url: str) -> aioredis.Redis[str]:
    """A client of Careline's Redis, decoding replies to ``str``.

    A restarted Redis leaves every pooled connection dead; the client retries once on a
    fresh one instead of refusing a turn per stale connection.
    """
    return aioredis.Redis.from_url(
        url, socket_timeout=5, socket_connect_timeout=5, decode_responses=True,
        retry=Retry(NoBackoff(), 2), retry_on_error=[RedisConnectionError],
    )


class LoopBoundRedis:
    """Calling it gives the client of ``url`` for the running event loop."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client: Optional[aioredis.Redis[str]] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def __call__(self) -> aioredis.Redis[str]:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = connect(self.url)
            self._loop = loop
        return self._client

    async def close(self) -> None:
        """Close the latest client, if one was made."""
        if self._client is not None:
            await self._client.close()
