"""Keep bulk sends within Twilio's per-number rate, spread over the numbers we send from.

Twilio takes messages from one sending number at a fixed rate (messages per second:
about 1 for a US long code, 10 for most others, more for a short code or a Messaging
Service) and queues, then fails, what comes faster. :class:`SendPacer` hands each send
a slot on the number that is free soonest and holds the send until that number may
send again, so a hundred thousand notices go out as fast as the pool of numbers
allows and never faster. Slots are handed out in the order they are asked for, so the
order notices are planned in (VIP first) is the order they reach Twilio.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from typing import AsyncIterator, Awaitable, Callable, Generic, Sequence, TypeVar

Origin = TypeVar("Origin")


class SendPacer(Generic[Origin]):
    """At most ``per_second`` sends per origin (a number, or a Messaging Service)."""

    def __init__(self, origins: Sequence[Origin], per_second: float, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if not origins or per_second <= 0:
            raise ValueError("a pacer needs at least one origin and a positive rate")
        self._origins = tuple(origins)
        self._interval = 1.0 / per_second
        self._clock, self._sleep = clock, sleep
        #: (when the origin may send next, its index): the soonest free origin on top.
        self._free: list[tuple[float, int]] = [(float("-inf"), i) for i in range(len(origins))]

    @property
    def origins(self) -> tuple[Origin, ...]:
        return self._origins

    async def slots(self, count: int = 1) -> AsyncIterator[Origin]:
        """``count`` sends' origin, yielded as each may go: every part of one message goes
        from the same number. All ``count`` slots are reserved at the first step, before
        any waiting, so slots go in the order they are asked for."""
        free_at, index = heapq.heappop(self._free)
        first = max(self._clock(), free_at)
        heapq.heappush(self._free, (first + count * self._interval, index))
        for part in range(count):
            delay = first + part * self._interval - self._clock()
            if delay > 0:
                await self._sleep(delay)
            yield self._origins[index]
