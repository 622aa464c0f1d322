"""The Redis ticket lock against the local Redis: exclusion across processes, order, faults."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
import redis

from careline.rasa_integration.errors import LockStoreUnavailable, LockWaitTimeout
from careline.rasa_integration.lock_store import CarelineLockStore, RedisTicketLockStore
from careline.settings import PROJECT_ROOT, reset_settings
from rasa.core.lock_store import InMemoryLockStore, LockError

from .conftest import LOCAL_REDIS


def _store(prefix: str, **overrides: float) -> RedisTicketLockStore:
    options = {"lifetime_seconds": 5.0, "wait_seconds": 10.0, **overrides}
    return RedisTicketLockStore(LOCAL_REDIS, key_prefix=prefix, **options)


def test_two_processes_never_interleave_turns_of_one_conversation(redis_prefix: str) -> None:
    turns = 25
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.careline.rasa_integration.lock_worker",
             LOCAL_REDIS, redis_prefix, name, str(turns)],
            cwd=PROJECT_ROOT,
        )
        for name in ("a", "b")
    ]
    for worker in workers:
        assert worker.wait(timeout=120) == 0
    client = redis.Redis.from_url(LOCAL_REDIS, decode_responses=True)
    log = client.lrange(f"{redis_prefix}:log", 0, -1)
    assert int(client.get(f"{redis_prefix}:counter")) == 2 * turns  # no lost update
    assert [int(entry.split(":")[1]) for entry in log] == list(range(1, 2 * turns + 1))
    assert {entry.split(":")[0] for entry in log} == {"a", "b"}  # both really competed


async def test_waiters_are_served_in_arrival_order(redis_prefix: str) -> None:
    store = _store(redis_prefix)
    served: list[int] = []
    holder = await store.acquire("c1")

    async def waiter(number: int) -> None:
        async with store.lock("c1"):
            served.append(number)

    tasks = []
    for number in range(5):
        tasks.append(asyncio.create_task(waiter(number)))
        await asyncio.sleep(0.05)  # each has joined the queue before the next arrives
    await store.release("c1", holder)
    await asyncio.gather(*tasks)
    assert served == [0, 1, 2, 3, 4]
    await store.close()


async def test_an_uncontended_turn_takes_its_lock_in_one_round_trip(
        redis_prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(redis_prefix)
    calls: list[str] = []
    evaluate = store._eval

    async def counted(script: str, keys: list[str], *args: object) -> object:
        calls.append(script)
        return await evaluate(script, keys, *args)

    monkeypatch.setattr(store, "_eval", counted)
    token = await store.acquire("c1")
    assert len(calls) == 1
    client = redis.Redis.from_url(LOCAL_REDIS, decode_responses=True)
    assert client.get(f"{redis_prefix}:c1:lock") == token
    assert client.zcard(f"{redis_prefix}:c1:queue") == 0  # the holder left the queue
    assert await store.release("c1", token) is True
    await store.close()


async def test_a_waiter_whose_ticket_was_dropped_queues_again(redis_prefix: str) -> None:
    store = _store(redis_prefix)
    holder = await store.acquire("c1")
    client = redis.Redis.from_url(LOCAL_REDIS, decode_responses=True)
    queue = f"{redis_prefix}:c1:queue"
    waiter = asyncio.create_task(store.acquire("c1"))
    deadline = asyncio.get_running_loop().time() + 10
    while client.zcard(queue) == 0:
        assert asyncio.get_running_loop().time() < deadline, "waiter never queued"
        await asyncio.sleep(0.01)
    client.delete(queue)  # as if another replica had presumed the waiter dead
    while client.zcard(queue) == 0:  # it notices, takes a new ticket and waits again
        assert asyncio.get_running_loop().time() < deadline, "waiter never queued again"
        await asyncio.sleep(0.01)
    assert not waiter.done()
    await store.release("c1", holder)
    token = await asyncio.wait_for(waiter, 10)
    assert client.get(f"{redis_prefix}:c1:lock") == token
    await store.close()


async def test_a_waiter_killed_in_the_queue_does_not_block_it(redis_prefix: str) -> None:
    store = _store(redis_prefix, wait_seconds=20)
    holder = await store.acquire("conversation-1")
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.careline.rasa_integration.lock_worker",
         LOCAL_REDIS, redis_prefix, "doomed", "1"],
        cwd=PROJECT_ROOT,
    )
    client = redis.Redis.from_url(LOCAL_REDIS, decode_responses=True)
    queue = f"{redis_prefix}:conversation-1:queue"
    deadline = asyncio.get_running_loop().time() + 60
    while client.zcard(queue) == 0:  # the worker has taken its ticket and waits
        assert asyncio.get_running_loop().time() < deadline, "worker never queued"
        await asyncio.sleep(0.05)
    worker.kill()  # SIGKILL: no chance to leave the queue politely
    worker.wait()
    await store.release("conversation-1", holder)
    async with store.lock("conversation-1") as token:  # after the dead ticket's heartbeat
        assert client.get(f"{redis_prefix}:conversation-1:lock") == token
    assert client.zcard(queue) == 0
    assert client.get(f"{redis_prefix}:counter") is None  # the dead worker never ran
    await store.close()


async def test_an_expired_holder_cannot_release_the_next_holders_lock(redis_prefix: str) -> None:
    store = _store(redis_prefix, lifetime_seconds=0.2)
    first = await store.acquire("c1")
    await asyncio.sleep(0.3)  # lease lapsed (no keep-alive outside `lock()`)
    second = await store.acquire("c1")
    assert await store.release("c1", first) is False
    client = redis.Redis.from_url(LOCAL_REDIS, decode_responses=True)
    assert client.get(f"{redis_prefix}:c1:lock") == second
    assert await store.release("c1", second) is True
    await store.close()


async def test_a_slow_turn_keeps_its_lock_past_the_lease(redis_prefix: str) -> None:
    store = _store(redis_prefix, lifetime_seconds=0.3, wait_seconds=0.2)
    async with store.lock("c1"):
        await asyncio.sleep(0.8)  # longer than the lease: the keep-alive renews it
        with pytest.raises(LockWaitTimeout):
            await store.acquire("c1")
    await store.close()


async def test_unreachable_redis_is_a_clear_lock_error() -> None:
    store = RedisTicketLockStore("redis://127.0.0.1:1/0", key_prefix="x",
                                 lifetime_seconds=5, wait_seconds=1)
    with pytest.raises(LockStoreUnavailable) as raised:
        async with store.lock("c1"):
            pass
    assert isinstance(raised.value, LockError)  # Rasa's own callers recognise it
    assert "lock store unreachable" in str(raised.value)


def test_factory_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARELINE_LOCK_STORE_URL", raising=False)
    reset_settings()
    assert isinstance(CarelineLockStore(endpoint_config=None), InMemoryLockStore)
    monkeypatch.setenv("CARELINE_LOCK_STORE_URL", LOCAL_REDIS)
    reset_settings()
    assert isinstance(CarelineLockStore(endpoint_config=None), RedisTicketLockStore)
    monkeypatch.setenv("CARELINE_LOCK_LIFETIME_SECONDS", "10")
    monkeypatch.setenv("CARELINE_ACTION_TIMEOUT_SECONDS", "30")
    reset_settings()
    with pytest.raises(ValueError, match="must exceed"):
        CarelineLockStore(endpoint_config=None)
    reset_settings()
