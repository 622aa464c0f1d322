"""A Twilio turn's first step: who is writing, and their route, in one thread hop.

Under load every hop to a thread and back waits behind other turns' model work on the
event loop (about 10 ms a hop at 20 messages/s on one replica, docs/production.md), so the
customer lookup and the route share one hop. Their failures keep separate meanings: a
profile store that fails, or does not answer in time, leaves the turn to go on without the
profile; a route that cannot be stored fails the turn (the customer gets the apology).
"""

from __future__ import annotations

import asyncio
import functools
import threading
from dataclasses import dataclass
from typing import Optional

from careline.channels.conversation_key import (
    CustomerKey, key_without_profile, lookup_customer,
)
from careline.channels.schemas import Route
from careline.channels.store import ChannelStore
from careline.db.session import run_blocking


@dataclass(frozen=True)
class Arrival:
    key: CustomerKey
    previous: Optional[Route] = None
    failure: Optional[BaseException] = None

    def route(self) -> Optional[Route]:
        """The route as it was before this message (its offered choices); raises what kept
        the new one from being stored."""
        if self.failure is not None:
            raise self.failure
        return self.previous


async def arrive(*, channel: str, raw_address: str, store: ChannelStore) -> Arrival:
    """The customer's key and route. If the hop does not answer in time and the lookup had
    not finished, the turn goes on without the profile and stores its route on its own."""
    looked_up: list[CustomerKey] = []
    abandoned = threading.Event()

    def lookup_and_route() -> Arrival:
        key = lookup_customer(channel, raw_address)
        looked_up.append(key)
        if abandoned.is_set():  # the turn stopped waiting and stores its route itself
            return Arrival(key)
        try:
            return Arrival(key, store.remember_route(sender_id=key.sender_id, channel=channel,
                                                     address=key.address))
        except Exception as failure:  # noqa: BLE001 - the turn raises it, with the key known
            return Arrival(key, failure=failure)

    try:
        return await run_blocking(lookup_and_route)
    except asyncio.TimeoutError as timeout:
        abandoned.set()
        if looked_up:  # the route store did not answer in time
            return Arrival(looked_up[0], failure=timeout)
    key = key_without_profile(channel, raw_address)
    try:
        previous = await run_blocking(functools.partial(
            store.remember_route, sender_id=key.sender_id, channel=channel, address=key.address))
    except Exception as failure:  # noqa: BLE001 - as above
        return Arrival(key, failure=failure)
    return Arrival(key, previous)
