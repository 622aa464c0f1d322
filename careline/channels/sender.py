"""Sending through Twilio's Messages API with retries, backoff and a record of each part."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from careline.channels.schemas import DeliveryRecord
from careline.channels.store import ChannelStore
from careline.channels.twilio_client import async_twilio_client, twilio_address
from careline.db.session import run_blocking
from careline.observability import correlation
from careline.observability.redact import mask_phone
from careline.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderIdentity:
    """Who a channel sends as: a number, or a Messaging Service that picks one."""

    channel: str
    from_number: Optional[str] = None
    messaging_service_sid: Optional[str] = None


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    first_delay: float = 0.5
    factor: float = 2.0


def _retryable(error: BaseException) -> bool:
    if isinstance(error, TwilioRestException):
        return bool(error.status == 429 or error.status >= 500)
    return isinstance(error, (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError))


class TwilioSender:
    """Sends one message part; retries Twilio's transient errors; records every outcome."""

    def __init__(self, *, settings: Settings, identity: SenderIdentity, store: ChannelStore,
                 retry: RetryPolicy = RetryPolicy()) -> None:
        self.settings = settings
        self.identity = identity
        self.store = store
        self.retry = retry
        self._clients: dict[int, Client] = {}

    def _client(self) -> Client:
        loop_id = id(asyncio.get_running_loop())
        if loop_id not in self._clients:
            self._clients[loop_id] = async_twilio_client(self.settings)
        return self._clients[loop_id]

    def _origin(self) -> dict[str, str]:
        if self.identity.messaging_service_sid:
            return {"messaging_service_sid": self.identity.messaging_service_sid}
        return {"from_": twilio_address(self.identity.channel, self.identity.from_number or "")}

    def status_callback(self) -> str:
        return f"{self.settings.public_url.rstrip('/')}/webhooks/{self.identity.channel}/status"

    async def send(self, *, to: str, body: Optional[str] = None,
                   media_url: Optional[str] = None, content_sid: Optional[str] = None,
                   content_variables: Optional[str] = None,
                   sender_id: Optional[str] = None, record: bool = True) -> DeliveryRecord:
        """Send to the E.164 number ``to``; never raises for Twilio or network errors.

        ``record=False`` leaves storing the outcome to the caller: bulk senders
        store a batch in one transaction (``careline.channels.outbound``), a turn
        its replies after its last one (``careline.channels.twilio_output``).
        """
        fields: dict[str, object] = {"to": twilio_address(self.identity.channel, to),
                                     "status_callback": self.status_callback(), **self._origin()}
        if body:
            fields["body"] = body
        if media_url:
            fields["media_url"] = [media_url]
        if content_sid:
            fields["content_sid"] = content_sid
            if content_variables:
                fields["content_variables"] = content_variables
        delay = self.retry.first_delay
        error: Optional[BaseException] = None
        for attempt in range(1, self.retry.attempts + 1):
            try:
                message = await self._client().messages.create_async(**fields)
            except Exception as caught:  # noqa: BLE001 - every failure is recorded below
                error = caught
                if not _retryable(caught) or attempt == self.retry.attempts:
                    break
                logger.warning("twilio send to %s failed (attempt %d): %s; retrying in %.1fs",
                               mask_phone(to), attempt, caught, delay)
                await asyncio.sleep(delay)
                delay *= self.retry.factor
                continue
            return await self._record(record, to_address=to, status=message.status or "queued",
                                      attempts=attempt, sender_id=sender_id,
                                      message_sid=message.sid)
        code = str(getattr(error, "code", "") or getattr(error, "status", "") or "") or None
        logger.error("twilio send to %s failed for good after %d attempt(s): %s",
                     mask_phone(to), attempt, error)
        failed = await self._record(record, to_address=to, status="failed", attempts=attempt,
                                    sender_id=sender_id, error_code=code,
                                    error_message=str(error)[:500])
        return dataclasses.replace(failed, retryable=error is not None and _retryable(error))

    async def find_sent(self, *, to: str, body: str, since: datetime) -> Optional[str]:
        """The SID of a message with ``body`` that Twilio accepted for ``to`` at ``since`` or
        later, or None: how a send whose answer a crash lost is told apart from one never made.

        Twilio lists a number's messages newest first with whole-second times, so the walk
        stops at the first one older than ``since``'s second.
        """
        floor = since.replace(microsecond=0)
        found: Optional[str] = None
        messages = await self._client().messages.stream_async(
            to=twilio_address(self.identity.channel, to), page_size=50)
        async for message in messages:
            if message.date_created is not None and message.date_created < floor:
                break
            if message.body == body:
                found = message.sid  # the oldest match: the first send
        return found

    async def refuse(self, *, to: str, reason: str, sender_id: Optional[str] = None,
                     record: bool = True) -> DeliveryRecord:
        """Record a message Careline chose not to send (opt-out, closed WhatsApp window)."""
        logger.info("not sending to %s on %s: %s", mask_phone(to), self.identity.channel, reason)
        return await self._record(record, to_address=to, status="refused", attempts=0,
                                  sender_id=sender_id, error_message=reason)

    async def _record(self, record: bool, *, to_address: str, status: str, attempts: int,
                      sender_id: Optional[str], message_sid: Optional[str] = None,
                      error_code: Optional[str] = None,
                      error_message: Optional[str] = None) -> DeliveryRecord:
        fields: dict[str, Any] = dict(to_address=to_address, status=status, attempts=attempts,
                      sender_id=sender_id, message_sid=message_sid, error_code=error_code,
                      error_message=error_message,
                      correlation_id=correlation.current())  # the turn that sent it
        if not record:
            return DeliveryRecord(channel=self.identity.channel, stored=False, **fields)
        return await run_blocking(functools.partial(
            self.store.record_delivery, channel=self.identity.channel, **fields))

    async def close(self) -> None:
        for client in self._clients.values():
            await client.http_client.close()
        self._clients.clear()
