"""An atomic, fair Redis lock store: one turn per conversation at a time, in arrival order.

Rasa 3.6's RedisLockStore issues tickets with GET → modify → SET from each replica,
so two replicas can both believe they hold a conversation. Here every step is one
Redis command or one Lua script, so it is atomic across processes:

* a waiter takes a ticket (``INCR``) and joins the conversation's queue (a sorted
  set scored by ticket), with a heartbeat deadline in a hash;
* the head of the queue takes the lock with ``SET NX PX`` (inside the script, so the
  head check and the SET cannot interleave with another replica); waiters whose
  heartbeat lapsed (their process died) are dropped from the head, so a crash never
  blocks the queue; taking a ticket and the first try are one script, so an
  uncontended turn takes its lock in one round trip;
* the holder extends the lease with compare-and-``PEXPIRE`` while it works and
  releases with compare-and-``DEL``: a holder whose lease expired can never free or
  extend the next holder's lock.

The lease lifetime must exceed the slowest allowed action call (checked at start),
and the holder renews it every third of the lifetime, so a slow turn keeps its lock
while a dead process loses it after one lifetime.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

from redis.exceptions import RedisError
from rasa.core.lock_store import InMemoryLockStore, LockStore

from careline.observability.redact import redact
from careline.rasa_integration.config import check_lock_outlives_actions, lock_store_url
from careline.rasa_integration.errors import LockStoreUnavailable, LockWaitTimeout
from careline.rasa_integration.redis_client import LoopBoundRedis
from careline.settings import get_settings

logger = logging.getLogger(__name__)

# The head of the queue takes the lock. Returns 1 = acquired, 0 = wait, -1 = our ticket
# is gone (we were presumed dead): re-queue.
_TRY_FUNCTION = """
local function try_acquire(lock, queue, alive, token, lifetime, heartbeat, idle)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if redis.call('ZSCORE', queue, token) == false then return -1 end
  redis.call('HSET', alive, token, now + tonumber(heartbeat))
  while true do
    local head = redis.call('ZRANGE', queue, 0, 0)[1]
    local deadline = tonumber(redis.call('HGET', alive, head) or '0')
    if deadline >= now then
      if head ~= token then
        redis.call('PEXPIRE', queue, idle)
        redis.call('PEXPIRE', alive, idle)
        return 0
      end
      break
    end
    redis.call('ZREM', queue, head)
    redis.call('HDEL', alive, head)
  end
  if redis.call('SET', lock, token, 'NX', 'PX', lifetime) then
    redis.call('ZREM', queue, token)
    redis.call('HDEL', alive, token)
    return 1
  end
  return 0
end
"""

# Take a ticket and try at once: an uncontended turn takes its lock in one round trip.
# KEYS: ticket, queue, alive, lock; ARGV: nonce, heartbeat ms, idle ms, lifetime ms.
_ENQUEUE_AND_TRY = _TRY_FUNCTION + """
local n = redis.call('INCR', KEYS[1])
local token = n .. ':' .. ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[2], n, token)
redis.call('HSET', KEYS[3], token, now + tonumber(ARGV[2]))
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return {token, try_acquire(KEYS[4], KEYS[2], KEYS[3], token, ARGV[4], ARGV[2], ARGV[3])}
"""

# KEYS: lock, queue, alive; ARGV: token, lifetime ms, heartbeat ms, idle ms.
_TRY_ACQUIRE = _TRY_FUNCTION + """
return try_acquire(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
"""

_LEAVE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""

_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisTicketLockStore(LockStore):
    """A fair ticket lock per conversation in Redis, safe across processes and hosts."""

    def __init__(
        self,
        url: str,
        *,
        key_prefix: str,
        lifetime_seconds: float,
        wait_seconds: float,
        heartbeat_seconds: float = 5.0,
        poll_seconds: float = 0.01,
    ) -> None:
        self.key_prefix = key_prefix
        self.lifetime_ms = int(lifetime_seconds * 1000)
        self.wait_seconds = wait_seconds
        self.heartbeat_ms = int(heartbeat_seconds * 1000)
        self.poll_seconds = poll_seconds
        self._redis = LoopBoundRedis(url)
        super().__init__()

    def _keys(self, conversation_id: str) -> dict[str, str]:
        base = f"{self.key_prefix}:{conversation_id}"
        return {"ticket": f"{base}:ticket", "queue": f"{base}:queue",
                "alive": f"{base}:alive", "lock": f"{base}:lock"}

    async def _eval(self, script: str, keys: list[str], *args: Any) -> Any:
        try:
            return await self._redis().eval(script, len(keys), *keys, *args)
        except (RedisError, OSError) as error:
            raise LockStoreUnavailable(f"lock store unreachable: {error}") from error

    @asynccontextmanager
    async def lock(  # type: ignore[override]
        self, conversation_id: str, lock_lifetime: float = 0, wait_time_in_seconds: float = 0
    ) -> AsyncIterator[str]:
        """Hold the conversation's lock for the body; Rasa's lifetime arguments are ignored

        because the lease is renewed while held (see the module docstring).
        """
        token = await self.acquire(conversation_id)
        renewer = asyncio.create_task(self._keep_alive(conversation_id, token))
        try:
            yield token
        finally:
            renewer.cancel()
            await self.release(conversation_id, token)

    async def acquire(self, conversation_id: str) -> str:
        """Wait for our turn in the conversation's queue and take the lock."""
        keys = self._keys(conversation_id)
        idle_ms = self.lifetime_ms + self.heartbeat_ms
        token, state = await self._enqueue_and_try(keys, idle_ms)
        deadline = asyncio.get_running_loop().time() + self.wait_seconds
        delay = self.poll_seconds
        try:
            while state != 1:
                if asyncio.get_running_loop().time() > deadline:
                    raise LockWaitTimeout(
                        f"waited {self.wait_seconds:.0f}s for earlier turns of the conversation"
                    )
                await asyncio.sleep(delay)
                delay = min(delay * 1.5, 0.025)
                state = await self._eval(
                    _TRY_ACQUIRE, [keys["lock"], keys["queue"], keys["alive"]],
                    token, self.lifetime_ms, self.heartbeat_ms, idle_ms,
                )
                if state == -1:
                    logger.warning("lock ticket of %s lapsed; queueing again",
                                   redact(conversation_id))
                    token, state = await self._enqueue_and_try(keys, idle_ms)
            return token
        except BaseException:
            await asyncio.shield(self._leave(keys, token))
            raise

    async def _enqueue_and_try(self, keys: dict[str, str], idle_ms: int) -> tuple[str, int]:
        token, state = await self._eval(
            _ENQUEUE_AND_TRY, [keys["ticket"], keys["queue"], keys["alive"], keys["lock"]],
            uuid.uuid4().hex, self.heartbeat_ms, idle_ms, self.lifetime_ms,
        )
        return token, int(state)

    async def _leave(self, keys: dict[str, str], token: str) -> None:
        try:
            await self._eval(_LEAVE, [keys["queue"], keys["alive"]], token)
        except LockStoreUnavailable:
            pass  # the heartbeat lapses and the next waiter drops the ticket

    async def release(self, conversation_id: str, token: str) -> bool:
        """Free the lock if we still hold it; False means our lease had expired."""
        released = await self._eval(_RELEASE, [self._keys(conversation_id)["lock"]], token)
        if not released:
            logger.error("lock of conversation %s expired before the turn ended",
                         redact(conversation_id))
        return bool(released)

    async def _keep_alive(self, conversation_id: str, token: str) -> None:
        key = self._keys(conversation_id)["lock"]
        while True:
            await asyncio.sleep(self.lifetime_ms / 3000)
            try:
                extended = await self._eval(_EXTEND, [key], token, self.lifetime_ms)
            except LockStoreUnavailable as error:
                logger.error("could not extend lock of %s: %s", redact(conversation_id), error)
                continue
            if not extended:
                logger.error("lost the lock of conversation %s", redact(conversation_id))
                return

    async def close(self) -> None:
        await self._redis.close()


class CarelineLockStore(LockStore):
    """What endpoints.yml names: Redis when CARELINE_LOCK_STORE_URL is set, else in-process.

    Rasa instantiates ``type:`` classes with ``endpoint_config=``; this class is a
    factory so the choice follows the environment, not the file.
    """

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        from careline.rasa_integration import patches  # it imports this module

        patches.install_all()  # under Rasa's own CLI: Rasa makes its Agent next
        settings = get_settings()
        url = lock_store_url(settings)
        if url is None:
            return InMemoryLockStore()
        check_lock_outlives_actions(settings)
        return RedisTicketLockStore(
            url, key_prefix=settings.lock_key_prefix,
            lifetime_seconds=settings.lock_lifetime_seconds,
            wait_seconds=settings.lock_wait_seconds,
        )
