"""Deleting keyed rows once they have outlived their use, so their tables stop growing.

Three tables keep a row per turn or message for as long as nothing deletes it:
``eng_account_writes``, the key and result of each account write a turn made
(careline/profile/idempotency.py), ``channel_inbound_messages``, each customer message
accepted on SMS, WhatsApp or web chat (careline/channels/inbound_journal.py), and
``poison_tries``, the tries against a message of a database-backed consumer
(careline/poison). A retried turn or webhook comes within minutes, a widget sends again
within seconds and a failing message is tried again within seconds, so rows older than
CARELINE_KEYS_RETENTION_DAYS only take space. Parked tries stay: ``careline parked`` lists
them (a replay deletes those of the handoffs it hands back).

The handoff worker runs :func:`prune_forever` (careline/handoff/worker.py): it is the one
process that runs once, with Careline's database, in every stack.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Optional

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from careline import clock
from careline.channels import repository as inbound_journal
from careline.db.session import run_blocking, session_scope
from careline.poison import repository as poison_tries
from careline.profile import idempotency

logger = logging.getLogger(__name__)
#: Keys deleted per transaction, so pruning a table that was never pruned holds no lock long.
BATCH = 5000
#: How often :func:`prune_forever` prunes; rows are kept for days, so hourly is plenty.
PRUNE_EVERY_SECONDS = 3600.0
#: The bound on one pruning pass; its batches commit one by one, so a pass cut short by a
#: timeout has still deleted what it committed.
PRUNE_TIMEOUT_SECONDS = 600.0


@dataclass(frozen=True)
class Pruned:
    account_writes: int
    inbound_messages: int
    poison_tries: int


def prune(*, engine: Optional[Engine] = None, keep: timedelta,
          now: Optional[datetime] = None, batch: int = BATCH) -> Pruned:
    """Delete keys of account writes, journalled messages and tries of never-parked
    messages older than ``keep``."""
    before = (now or clock.now()) - keep
    writes = _in_batches(engine, batch, lambda session: idempotency.forget_before(
        session=session, before=before, limit=batch))
    messages = _in_batches(engine, batch, lambda session: inbound_journal.forget_inbound_before(
        session=session, before=before, limit=batch))
    with session_scope(engine) as session:
        tries = poison_tries.delete_unparked_before(session=session, before=before)
    return Pruned(account_writes=writes, inbound_messages=messages, poison_tries=tries)


def _in_batches(engine: Optional[Engine], batch: int,
                delete: Callable[[Session], int]) -> int:
    """Run ``delete`` (up to ``batch`` rows), one transaction each, until fewer go."""
    deleted = 0
    while True:
        with session_scope(engine) as session:
            step = delete(session)
        deleted += step
        if step < batch:
            return deleted


async def prune_forever(*, engine: Optional[Engine] = None, keep: timedelta,
                        every: float = PRUNE_EVERY_SECONDS) -> None:
    """:func:`prune` now and then every ``every`` seconds until cancelled; a pass that fails
    (the database is away) is logged and the next one tries again."""
    while True:
        try:
            pruned = await run_blocking(functools.partial(prune, engine=engine, keep=keep),
                                        timeout=PRUNE_TIMEOUT_SECONDS)
        except Exception:  # noqa: BLE001 - a missed pass only leaves rows for the next one
            logger.exception("pruning old keys failed; trying again in %.0f s", every)
        else:
            if pruned.account_writes or pruned.inbound_messages or pruned.poison_tries:
                logger.info("pruned rows older than %s: %d account writes, %d journalled "
                            "messages, %d poison tries", keep, pruned.account_writes,
                            pruned.inbound_messages, pruned.poison_tries)
        await asyncio.sleep(every)
