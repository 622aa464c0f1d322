"""Web chat across replicas: who holds a socket (in one process, or shared in the local
Redis), the manager chosen by the settings, and `careline up` choosing it."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import redis
import socketio

from careline.channels.webchat import WebChatReachOutput
from careline.deploy.stack import StackPlan, environment
from careline.settings import Settings
from careline.webchat.fanout import build_fanout
from careline.webchat.rooms import (ROOM_STALE_AFTER, CustomerOffline, LocalRooms,
                                    RedisRooms)

LOCAL_REDIS = "redis://127.0.0.1:6379/0"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def prefix() -> Iterator[str]:
    """Keys of this test's own on the shared Redis, deleted after."""
    name = f"test-rooms-{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(LOCAL_REDIS)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def test_one_process_knows_each_tab_until_the_last_one_closes():
    async def run() -> list[bool]:
        rooms = LocalRooms()
        seen = [await rooms.is_live("web-ann")]
        await rooms.joined(sender_id="web-ann", connection_id="tab-1")
        await rooms.joined(sender_id="web-ann", connection_id="tab-2")
        await rooms.left(sender_id="web-ann", connection_id="tab-1")
        seen += [await rooms.is_live("web-ann"), await rooms.is_live("web-bob")]
        await rooms.left(sender_id="web-ann", connection_id="tab-2")
        seen.append(await rooms.is_live("web-ann"))
        return seen

    assert asyncio.run(run()) == [False, True, False, False]


def test_replicas_see_each_others_sockets_in_redis(prefix):
    async def run() -> list[bool]:
        holder, other = (RedisRooms(LOCAL_REDIS, prefix=prefix) for _ in range(2))
        try:
            seen = [await other.is_live("web-ann")]
            await holder.joined(sender_id="web-ann", connection_id="sid-1")
            seen += [await other.is_live("web-ann"), await other.is_live("web-bob")]
            await holder.left(sender_id="web-ann", connection_id="sid-1")
            seen.append(await other.is_live("web-ann"))
            return seen
        finally:
            await holder.close()
            await other.close()

    assert asyncio.run(run()) == [False, True, False, False]


def test_a_socket_not_refreshed_stops_counting_and_a_heartbeat_keeps_it(prefix):
    """A replica killed with its sockets open never says goodbye: its entries go stale."""
    clock = Clock()

    async def run() -> list[bool]:
        rooms = RedisRooms(LOCAL_REDIS, prefix=prefix, clock=clock)
        try:
            await rooms.joined(sender_id="web-ann", connection_id="sid-1")
            await rooms.joined(sender_id="web-cat", connection_id="sid-2")
            clock.now += ROOM_STALE_AFTER.total_seconds() - 1
            await rooms.refresh({"sid-2": "web-cat"})  # only cat's replica is alive
            clock.now += 2
            return [await rooms.is_live("web-ann"), await rooms.is_live("web-cat")]
        finally:
            await rooms.close()

    assert asyncio.run(run()) == [False, True]


def test_a_send_outside_a_turn_fails_when_nobody_is_connected():
    """Rasa's HTTP API uses this output: an emit to an empty room must not pass as sent."""
    async def run() -> None:
        rooms = LocalRooms()
        output = WebChatReachOutput(socketio.AsyncServer(async_mode="asgi"), rooms)
        with pytest.raises(CustomerOffline):
            await output.send_response("web-ann", {"text": "Hello from the desk"})
        await rooms.joined(sender_id="web-ann", connection_id="tab-1")
        await output.send_response("web-ann", {"text": "Hello from the desk"})  # no error

    asyncio.run(run())


def test_the_manager_is_in_process_unless_a_redis_url_is_set(prefix):
    local = build_fanout(Settings(webchat_manager_url=None))
    assert local.manager is None and isinstance(local.rooms, LocalRooms)

    shared = build_fanout(Settings(webchat_manager_url=LOCAL_REDIS, lock_key_prefix=prefix))
    assert isinstance(shared.manager, socketio.AsyncRedisManager)
    assert shared.manager.channel == f"{prefix}:webchat"
    assert isinstance(shared.rooms, RedisRooms)
    asyncio.run(shared.rooms.close())

    with pytest.raises(ValueError, match="Redis URL"):
        build_fanout(Settings(webchat_manager_url="amqp://guest:guest@127.0.0.1:5672/"))


def _plan(lock_store_url: str | None) -> StackPlan:
    return StackPlan(replicas=2, port=1, api_port=2, actions_port=3, rasa_base_port=4,
                     action_base_port=6, gateway_port=8, data_dir=Path("/tmp/unused"),
                     model=Path("/tmp/unused.tar.gz"), token="t",
                     lock_store_url=lock_store_url)


def test_careline_up_fans_web_chat_out_through_the_lock_stores_redis():
    env = environment(_plan("redis://127.0.0.1:6379/3"), {})
    assert env["CARELINE_WEBCHAT_MANAGER_URL"] == "redis://127.0.0.1:6379/3"
    embedded = environment(_plan(None), {"CARELINE_WEBCHAT_MANAGER_URL": "redis://old:6379/0"})
    assert "CARELINE_WEBCHAT_MANAGER_URL" not in embedded
