"""A web chat message answered once, even when the replica running its turn dies.

The page's widget gives each message an id and keeps it until the server says
``message_done``: after a reconnect (its replica died, the network dropped) and every
few seconds it sends the message again. The server journals ``(conversation, id)`` in
the channels' inbound journal (careline/channels/inbound_journal.py) before the turn
runs, so a message sent again is answered by exactly one turn:

* first seen: claimed, its turn runs, it is marked answered, ``message_done``;
* answered already: ``message_done`` again, nothing run;
* its turn running in a live process (lease renewed): ignored, that turn says done;
* its turn's process died (lease ran out): taken over here and run, unless the
  conversation's tracker already holds it (the process died after its turn was saved but
  before the answered mark: the customer has their answer).

The journal key, not the client's id, is the turn's Rasa ``message_id``, so the
account writes of a taken-over turn are keyed the same (careline.profile.idempotency)
and no visitor can name another conversation's messages.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from typing import Any, Awaitable, Callable, Optional

from careline.channels.inbound_journal import Claim
from careline.channels.journal_lease import lease_held
from careline.channels.store import ChannelStore
from careline.db.session import run_blocking
from careline.identity.channel_trust import Proof
from careline.observability import metrics
from careline.settings import get_settings

logger = logging.getLogger(__name__)

CHANNEL = "webchat"
#: What the server emits once a message has been answered: ``{"message_id": …}``.
DONE_EVENT = "message_done"
#: A message id as the widget makes them (a UUID); anything else is refused.
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
#: Claiming a message may wait this long; the widget sends it again anyway.
CLAIM_TIMEOUT_SECONDS = 10.0


def journal_key(*, sender_id: str, message_id: str) -> str:
    """The journal's key for one conversation's message (as long as a MessageSid column)."""
    digest = hashlib.sha256(f"{sender_id}\n{message_id}".encode()).hexdigest()
    return "WC" + digest[:62]


def valid_message_id(value: Any) -> bool:
    return isinstance(value, str) and MESSAGE_ID.fullmatch(value) is not None


class WebChatJournal:
    """Runs each journalled web chat message's turn once."""

    def __init__(self, store: Optional[ChannelStore] = None,
                 lease_seconds: Optional[float] = None) -> None:
        self._store = store
        self._lease_seconds = lease_seconds

    @property
    def store(self) -> ChannelStore:
        if self._store is None:
            self._store = ChannelStore()
        return self._store

    @property
    def lease_seconds(self) -> float:
        if self._lease_seconds is None:
            self._lease_seconds = get_settings().redrive_after_seconds
        return self._lease_seconds

    async def answer_once(self, *, sender_id: str, message_id: str, proved_by: Proof,
                          run: Callable[[str], Awaitable[None]],
                          ran: Callable[[str], Awaitable[bool]]) -> bool:
        """Run ``run(journal_key)`` unless the message was answered or is being answered;
        True when it has been answered (here or before): the widget may forget it.
        ``ran(journal_key)`` says whether a turn of that key is in the conversation
        already; it is asked only of a message taken over from a dead process."""
        key = journal_key(sender_id=sender_id, message_id=message_id)
        try:
            claim = await run_blocking(functools.partial(
                self.store.claim_resent, channel=CHANNEL, message_sid=key,
                proved_by=proved_by.value, lease_seconds=self.lease_seconds),
                timeout=CLAIM_TIMEOUT_SECONDS)
        except Exception:  # noqa: BLE001 - not run, not lost: the widget sends it again
            logger.exception("web chat %s: could not journal the message", key)
            return False
        if claim is Claim.ANSWERED:
            return True
        if claim is Claim.RUNNING:
            return False
        async with lease_held(self.store, message_sid=key, lease_seconds=self.lease_seconds):
            if claim is not Claim.TAKEN_OVER:
                await run(key)
            elif await ran(key):
                logger.warning("web chat %s answered by a process that died before marking "
                               "it so: marked, not run again", key)
            else:
                logger.warning("web chat %s accepted but not answered in time: taken over",
                               key)
                metrics.REDRIVEN_TURNS.labels(CHANNEL).inc()
                await run(key)
        try:
            await run_blocking(functools.partial(self.store.mark_answered, message_sid=key))
        except Exception:  # noqa: BLE001 - answered all the same; only the mark is missing
            logger.exception("web chat %s: answered, but not marked so", key)
        return True
