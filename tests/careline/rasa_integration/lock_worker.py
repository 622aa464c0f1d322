"""A separate process that takes turns on one conversation through the Redis lock.

Run as ``python -m tests.careline.rasa_integration.lock_worker URL PREFIX NAME TURNS``: each
turn reads a counter, yields to other tasks, writes it back plus one and appends
``NAME:value`` to a log list — a read-modify-write that loses updates unless the lock
excludes the other process.
"""

from __future__ import annotations

import asyncio
import sys

import redis.asyncio as aioredis

from careline.rasa_integration.lock_store import RedisTicketLockStore


async def run(url: str, prefix: str, name: str, turns: int) -> None:
    store = RedisTicketLockStore(url, key_prefix=prefix, lifetime_seconds=10, wait_seconds=60)
    data = aioredis.Redis.from_url(url, decode_responses=True)

    async def one_turn() -> None:
        async with store.lock("conversation-1"):
            value = int(await data.get(f"{prefix}:counter") or 0)
            await asyncio.sleep(0.005)
            await data.set(f"{prefix}:counter", value + 1)
            await data.rpush(f"{prefix}:log", f"{name}:{value + 1}")

    await asyncio.gather(*(one_turn() for _ in range(turns)))
    await data.close()
    await store.close()


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
