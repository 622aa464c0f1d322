"""A journalled message's lease, renewed while its turn runs.

A message still ``received`` after its lease belongs to a process that died, and
another process takes it over (inbound_journal.py). A turn that is only slow, or
waiting for its conversation's lock, must not look dead: the process running it
renews the lease several times per lease for as long as the turn runs.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from careline.channels.store import ChannelStore
from careline.db.session import run_blocking

logger = logging.getLogger(__name__)

#: A running turn renews its journal lease this many times per lease.
RENEWALS_PER_LEASE = 3


@asynccontextmanager
async def lease_held(store: ChannelStore, *, message_sid: str,
                     lease_seconds: float) -> AsyncIterator[None]:
    """Renew ``message_sid``'s lease until the block ends (however it ends)."""
    renewing = asyncio.create_task(_renew(store, message_sid, lease_seconds))
    try:
        yield
    finally:
        renewing.cancel()


async def _renew(store: ChannelStore, message_sid: str, lease_seconds: float) -> None:
    while True:
        await asyncio.sleep(lease_seconds / RENEWALS_PER_LEASE)
        try:
            await run_blocking(functools.partial(
                store.renew_inbound, message_sid=message_sid, lease_seconds=lease_seconds))
        except Exception:  # noqa: BLE001 - the next renewal may pass; at worst re-driven
            logger.warning("%s: could not renew the journal lease", message_sid,
                           exc_info=True)
