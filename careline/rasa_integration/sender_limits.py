"""Caps on what one sender may ask of the bot: message size and messages per window.

Why. Every message costs NLU (a MiniLM embedding), a turn under the conversation's lock
and often an action-server call; an over-long text is no question a customer means to
ask, and a flood from one sender queues behind its own lock and starves the replicas.
So, before a turn runs (the Agent hook in careline.rasa_integration.guard, which every
channel passes):

* every message counts in its sender's window, refused or not;
* the first message over the rate gets one polite "slow down"; the rest of the window
  is dropped silently, so a flood from a spoofed SMS number does not make the operator
  text the victim once per message;
* a message longer than the cap gets a short refusal and never reaches NLU. Refused,
  not cut: a cut message would be answered as if the customer had said only its start.

The counter is a fixed window per sender (the conversation id), shared by every replica
in Redis when the lock store is Redis (``CARELINE_LOCK_STORE_URL``), so two replicas
never each allow the full rate; in-process otherwise, like the lock store. A fixed
window admits at most twice the rate across a window boundary, which is enough to stop
a flood. If Redis is down the turn is refused politely, as the lock store would.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from redis.exceptions import RedisError

from careline.rasa_integration.config import lock_store_url
from careline.rasa_integration.errors import LockStoreUnavailable
from careline.rasa_integration.redis_client import LoopBoundRedis
from careline.settings import Settings

SLOW_DOWN = ("You're sending messages faster than I can answer. "
             "Please wait a minute, then send your message again.")


def too_long(max_chars: int) -> str:
    return (f"Sorry, that message is too long for me to read. Please send it again in "
            f"under {max_chars} characters.")


class Verdict(Enum):
    RUN = "run"
    TOO_LONG = "too_long"
    SLOW_DOWN = "slow_down"
    DROP = "drop"


@dataclass(frozen=True)
class SenderLimits:
    max_chars: int
    messages_per_window: int
    window_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> SenderLimits:
        return cls(max_chars=settings.message_max_chars,
                   messages_per_window=settings.sender_rate_limit,
                   window_seconds=settings.sender_rate_window_seconds)


def verdict(*, text_length: int, count_in_window: int, limits: SenderLimits) -> Verdict:
    """What to do with a message, given its length and its place in the sender's window."""
    if count_in_window > limits.messages_per_window + 1:
        return Verdict.DROP
    if count_in_window == limits.messages_per_window + 1:
        return Verdict.SLOW_DOWN
    if text_length > limits.max_chars:
        return Verdict.TOO_LONG
    return Verdict.RUN


class WindowCounter(Protocol):
    async def count(self, sender: str, window_seconds: float) -> int:
        """Count one message from ``sender``; return its number in the current window."""


class InProcessCounter:
    """One process's windows (the embedded default, one Rasa process)."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}

    async def count(self, sender: str, window_seconds: float) -> int:
        now = time.monotonic()
        started, counted = self._windows.get(sender, (now, 0))
        if now - started >= window_seconds:
            started, counted = now, 0
        self._windows[sender] = (started, counted + 1)
        if len(self._windows) > 10_000:  # forget finished windows, so memory stays bounded
            self._windows = {key: window for key, window in self._windows.items()
                             if now - window[0] < window_seconds}
        return counted + 1


# KEYS: the sender's window; ARGV: window ms. The first message of a window sets its expiry.
_COUNT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""


class RedisCounter:
    """Windows in Redis: one atomic script per message, shared by every replica."""

    def __init__(self, url: str, *, key_prefix: str) -> None:
        self.key_prefix = key_prefix
        self._redis = LoopBoundRedis(url)

    async def count(self, sender: str, window_seconds: float) -> int:
        key = f"{self.key_prefix}:sender-window:{sender}"
        try:
            return int(await self._redis().eval(_COUNT, 1, key, int(window_seconds * 1000)))
        except (RedisError, OSError) as error:
            raise LockStoreUnavailable(f"sender counter unreachable: {error}") from error


def counter_for(settings: Settings) -> WindowCounter:
    """Redis when the lock store is Redis, else in-process (the lock store's choice)."""
    url = lock_store_url(settings)
    if url is None:
        return InProcessCounter()
    return RedisCounter(url, key_prefix=settings.lock_key_prefix)
