"""Twilio's delivery status callbacks, answered the same way wherever they arrive.

Both the Rasa channel's ``/status`` route (``careline run``) and the Twilio gateway
(``careline up``, see twilio_gateway.py) hand a callback's path, body and signature to
:func:`answer_status`. Writes are group-committed: one writer task per
:class:`StatusWriter` takes every callback queued while the previous transaction ran
and writes them in one, so a burst of callbacks costs a few commits, not one each.
A woken writer lingers :data:`LINGER_SECONDS` for the callbacks of the same replies
(Twilio sends two or more per message, moments apart) before it writes: Twilio waits
that much longer for its answer, the edge commits less often. A callback is answered
only after its write committed, so Twilio's 2xx means it is recorded.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import Optional

from careline.channels.schemas import StatusUpdate
from careline.channels.store import ChannelStore
from careline.channels.twilio_webhook import parse_form, signature_matches, signed_url
from careline.db.session import run_blocking
from careline.observability import metrics
from careline.observability.redact import mask_phone

logger = logging.getLogger(__name__)

#: How long a woken writer gathers callbacks before writing them in one transaction.
LINGER_SECONDS = 0.02


@dataclass(frozen=True)
class StatusAnswer:
    """The HTTP answer to one callback, for whichever framework received it."""

    status: int
    text: str = ""


NO_CONTENT = StatusAnswer(204)
FORGED = StatusAnswer(403, "invalid Twilio signature")
INCOMPLETE = StatusAnswer(400, "MessageSid and MessageStatus are required")
UNAVAILABLE = StatusAnswer(503, "temporarily unavailable")


class StatusWriter:
    """Writes status callbacks in as few transactions as the database's pace allows."""

    def __init__(self, store: Optional[ChannelStore] = None, *,
                 linger_seconds: float = LINGER_SECONDS) -> None:
        self.store = store or ChannelStore()
        self.linger_seconds = linger_seconds
        self._queued: list[tuple[StatusUpdate, asyncio.Future[None]]] = []
        self._wake: Optional[asyncio.Event] = None  # made in the server's loop
        self._writer: Optional[asyncio.Task[None]] = None

    async def record(self, update: StatusUpdate) -> None:
        """Return once ``update`` is committed; raise what the write raised."""
        loop = asyncio.get_running_loop()
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain(self._wake))
        done: asyncio.Future[None] = loop.create_future()
        self._queued.append((update, done))
        self._wake.set()
        await done

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)

    async def _drain(self, wake: asyncio.Event) -> None:
        while True:
            await wake.wait()
            await asyncio.sleep(self.linger_seconds)
            wake.clear()
            batch, self._queued = self._queued, []
            if batch:
                await self._write(batch)

    async def _write(self, batch: list[tuple[StatusUpdate, asyncio.Future[None]]]) -> None:
        try:
            await run_blocking(functools.partial(
                self.store.update_statuses, [update for update, _ in batch]))
        except Exception as failure:  # noqa: BLE001 - handed to the waiting requests
            if len(batch) == 1:
                _settle(batch[0][1], failure)
                return
            # one bad callback must not fail its neighbours: write each on its own
            for entry in batch:
                await self._write([entry])
            return
        for _, done in batch:
            _settle(done, None)


def _settle(done: asyncio.Future[None], failure: Optional[BaseException]) -> None:
    if done.done():  # its request went away (client disconnected)
        return
    if failure is None:
        done.set_result(None)
    else:
        done.set_exception(failure)


async def answer_status(*, channel: str, path: str, query_string: str, content_type: str,
                        body: bytes, signature: Optional[str], public_base: str,
                        auth_token: str, writer: StatusWriter) -> StatusAnswer:
    """Check, record and answer one status callback posted to ``path``."""
    form = parse_form(content_type, body)
    if not signature_matches(url=signed_url(public_base, path, query_string), form=form,
                             signature=signature, auth_token=auth_token):
        logger.warning("refused %s %s: missing or invalid X-Twilio-Signature (to %s)",
                       channel, path, mask_phone(form.get("To") or ""))
        metrics.refused(channel=channel, reason="invalid_callback_signature")
        return FORGED
    sid, state = form.get("MessageSid"), (form.get("MessageStatus") or "").lower()
    if not sid or not state:
        return INCOMPLETE
    update = StatusUpdate(message_sid=sid, channel=channel, status=state,
                          to_address=(form.get("To") or "").removeprefix("whatsapp:"),
                          error_code=form.get("ErrorCode") or None,
                          error_message=form.get("ErrorMessage") or None)
    try:
        await writer.record(update)
    except Exception:  # noqa: BLE001 - not recorded: never answer 204 for it
        logger.exception("%s status %s for %s not recorded", channel, state, sid)
        return UNAVAILABLE
    if update.failed:
        logger.error("%s message %s to %s not delivered: %s %s", channel, sid,
                     mask_phone(update.to_address), state, update.error_code)
    return NO_CONTENT
