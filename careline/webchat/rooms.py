"""Which web chat conversations have a socket open right now, on any replica.

Every socket joins its conversation's room (the sender id). A line sent outside a
turn (a desk reply, an outage notice) reaches the room through python-socketio's
manager, but an emit to an empty room succeeds silently; the sender must learn
that nobody was there instead of recording "delivered". So each replica records
its sockets here: :class:`LocalRooms` when one process holds every socket
(``make run``), :class:`RedisRooms` when replicas share a socket.io manager on
Redis. A replica killed without closing its sockets leaves Redis entries that
stop counting once not refreshed for :data:`ROOM_STALE_AFTER`.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Callable, Mapping, Protocol

from redis.asyncio import Redis

#: How often a replica refreshes its sockets in Redis.
ROOM_HEARTBEAT = timedelta(seconds=15)
#: A socket not refreshed for this long belongs to a replica that is gone.
ROOM_STALE_AFTER = timedelta(seconds=45)
#: What a send to a conversation without a live socket fails with; the desk shows it.
OFFLINE_REASON = "customer offline: no live web chat connection"


class CustomerOffline(RuntimeError):
    """Nobody is connected to the conversation on any replica: nothing was sent."""

    def __init__(self) -> None:
        super().__init__(OFFLINE_REASON)


class LiveRooms(Protocol):
    async def joined(self, *, sender_id: str, connection_id: str) -> None:
        """A socket entered the conversation's room."""

    async def left(self, *, sender_id: str, connection_id: str) -> None:
        """A socket closed."""

    async def refresh(self, live: Mapping[str, str]) -> None:
        """This process's sockets (``connection id → sender id``) are still open."""

    async def is_live(self, sender_id: str) -> bool:
        """Whether any socket, on any replica, is in the conversation's room."""

    async def close(self) -> None:
        """Release connections."""


class LocalRooms:
    """One process holds every socket: its own record is the whole truth."""

    def __init__(self) -> None:
        self._rooms: dict[str, set[str]] = {}

    async def joined(self, *, sender_id: str, connection_id: str) -> None:
        self._rooms.setdefault(sender_id, set()).add(connection_id)

    async def left(self, *, sender_id: str, connection_id: str) -> None:
        room = self._rooms.get(sender_id, set())
        room.discard(connection_id)
        if not room:
            self._rooms.pop(sender_id, None)

    async def refresh(self, live: Mapping[str, str]) -> None:
        """Nothing goes stale within one process."""

    async def is_live(self, sender_id: str) -> bool:
        return bool(self._rooms.get(sender_id))

    async def close(self) -> None:
        self._rooms.clear()


class RedisRooms:
    """One sorted set per conversation: socket id scored by when it was last seen."""

    def __init__(self, url: str, *, prefix: str,
                 clock: Callable[[], float] = time.time) -> None:
        self._redis = Redis.from_url(url)
        self._prefix = prefix
        self._clock = clock
        self._stale = ROOM_STALE_AFTER.total_seconds()

    def _key(self, sender_id: str) -> str:
        return f"{self._prefix}:webchat:room:{sender_id}"

    async def joined(self, *, sender_id: str, connection_id: str) -> None:
        await self.refresh({connection_id: sender_id})

    async def left(self, *, sender_id: str, connection_id: str) -> None:
        await self._redis.zrem(self._key(sender_id), connection_id)

    async def refresh(self, live: Mapping[str, str]) -> None:
        """One round trip; each room expires on its own once nobody refreshes it."""
        if not live:
            return
        now = self._clock()
        async with self._redis.pipeline(transaction=False) as pipe:
            for connection_id, sender_id in live.items():
                pipe.zadd(self._key(sender_id), {connection_id: now})
                pipe.expire(self._key(sender_id), int(self._stale * 2))
            await pipe.execute()

    async def is_live(self, sender_id: str) -> bool:
        fresh = await self._redis.zcount(self._key(sender_id), self._clock() - self._stale, "+inf")
        return fresh > 0

    async def close(self) -> None:
        await self._redis.close()
