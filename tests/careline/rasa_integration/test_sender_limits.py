"""Per-sender caps: the verdict rule, and windows counted in one process or across replicas."""

from __future__ import annotations

import asyncio

import pytest
import redis

from careline.rasa_integration.config import lock_store_url
from careline.rasa_integration.errors import LockStoreUnavailable
from careline.rasa_integration.sender_limits import (
    InProcessCounter, RedisCounter, SenderLimits, Verdict, counter_for, verdict,
)
from careline.settings import Settings

from .conftest import LOCAL_REDIS

LIMITS = SenderLimits(max_chars=10, messages_per_window=3, window_seconds=60)


@pytest.mark.parametrize("length, count, expected", [
    (10, 1, Verdict.RUN),
    (10, 3, Verdict.RUN),
    (11, 1, Verdict.TOO_LONG),
    (11, 3, Verdict.TOO_LONG),
    (5, 4, Verdict.SLOW_DOWN),   # the first over the rate hears it once ...
    (50, 4, Verdict.SLOW_DOWN),
    (5, 5, Verdict.DROP),        # ... the rest of the window is silent
    (50, 99, Verdict.DROP),
])
def test_verdict(length: int, count: int, expected: Verdict) -> None:
    assert verdict(text_length=length, count_in_window=count, limits=LIMITS) is expected


async def test_in_process_windows_are_per_sender_and_end() -> None:
    counter = InProcessCounter()
    assert [await counter.count("a", 0.2) for _ in range(3)] == [1, 2, 3]
    assert await counter.count("b", 0.2) == 1
    await asyncio.sleep(0.25)
    assert await counter.count("a", 0.2) == 1


async def test_two_replicas_share_one_window_in_redis(redis_prefix: str) -> None:
    """Two replicas, each with its own counter: together they allow the rate once, not twice."""
    replicas = [RedisCounter(LOCAL_REDIS, key_prefix=redis_prefix) for _ in range(2)]
    counts = [await replicas[n % 2].count("+447700900123", 0.5) for n in range(6)]
    assert counts == [1, 2, 3, 4, 5, 6]
    await asyncio.sleep(0.6)
    assert await replicas[1].count("+447700900123", 0.5) == 1


async def test_a_dropped_connection_is_retried_not_refused(redis_prefix: str) -> None:
    """A restarted Redis leaves the replica's pooled connection dead: the next count must
    not refuse the customer's turn."""
    counter = RedisCounter(LOCAL_REDIS, key_prefix=redis_prefix)
    assert await counter.count("a", 60) == 1
    own = await counter._redis().client_id()
    killer = redis.Redis.from_url(LOCAL_REDIS)
    assert killer.client_kill_filter(_id=own) == 1
    killer.close()
    assert await counter.count("a", 60) == 2


async def test_an_unreachable_redis_refuses_the_turn() -> None:
    with pytest.raises(LockStoreUnavailable):
        await RedisCounter("redis://127.0.0.1:1/0", key_prefix="nowhere").count("a", 60)


def test_the_counter_follows_the_lock_store() -> None:
    assert isinstance(counter_for(Settings(lock_store_url=None)), InProcessCounter)
    with_redis = Settings(lock_store_url=LOCAL_REDIS)
    assert lock_store_url(with_redis) == LOCAL_REDIS
    assert isinstance(counter_for(with_redis), RedisCounter)
