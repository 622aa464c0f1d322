"""The Twilio gateway's status callbacks on a real port and a real database: signed ones
are recorded before they are answered, forged ones never, and bursts share transactions.
(Its webhooks and relayed turns: tests/e2e/test_twilio_edge.py; Rasa's messages outside a turn:
tests/careline/channels/test_edge_outbound.py.)"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from typing import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import event
from sqlalchemy.engine import Engine
from twilio.request_validator import RequestValidator

from careline.channels.schemas import StatusUpdate
from careline.channels.status_callbacks import StatusWriter
from careline.channels.store import ChannelStore
from careline.channels.twilio_gateway import build_app
from careline.observability.redact import mask_phone
from careline.settings import Settings
from tests.conftest import TestDatabase

PUBLIC_URL = "https://careline.example"
TOKEN = "gateway-test-token"


@dataclass
class Receipts:
    url: str
    store: ChannelStore
    commits: list[int]

    def status(self, sid: str) -> str | None:
        found = [d.status for d in self.store.deliveries() if d.message_sid == sid]
        return found[0] if found else None

    async def post(self, session: aiohttp.ClientSession, params: dict[str, str], *,
                   channel: str = "sms", signature: str | None = None) -> int:
        path = f"/webhooks/{channel}/status"
        if signature is None:
            signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + path, params)
        async with session.post(self.url + path, data=params,
                                headers={"X-Twilio-Signature": signature}) as reply:
            await reply.read()
            return reply.status


async def _serve(engine: Engine) -> AsyncIterator[Receipts]:
    commits: list[int] = []

    def counted(_connection: object) -> None:
        commits.append(1)

    event.listen(engine, "commit", counted)
    store = ChannelStore(engine)
    settings = Settings(public_url=PUBLIC_URL, twilio_auth_token=TOKEN)
    runner = web.AppRunner(build_app(settings, store=store))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield Receipts(url=f"http://127.0.0.1:{port}", store=store, commits=commits)
    finally:
        await runner.cleanup()
        event.remove(engine, "commit", counted)


@pytest.fixture()
async def receipts(database: Engine) -> AsyncIterator[Receipts]:
    async for served in _serve(database):
        yield served


def _callback(sid: str, status: str, to: str = "+447700900123", **extra: str) -> dict[str, str]:
    return {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
            "To": to, "From": "+15005550006", "AccountSid": "ACtest", **extra}


def _sid() -> str:
    return "SM" + uuid.uuid4().hex


async def test_health(receipts: Receipts) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(receipts.url + "/health") as reply:
            assert reply.status == 200 and (await reply.json()) == {"status": "ok"}


@pytest.mark.parametrize("channel, to", [("sms", "+447700900123"),
                                         ("whatsapp", "whatsapp:+447700900123")])
async def test_a_signed_callback_is_recorded_before_its_204(receipts: Receipts, channel: str,
                                                            to: str) -> None:
    sid = _sid()
    async with aiohttp.ClientSession() as session:
        assert await receipts.post(session, _callback(sid, "sent", to), channel=channel) == 204
    [delivery] = [d for d in receipts.store.deliveries() if d.message_sid == sid]
    assert (delivery.channel, delivery.status, delivery.to_address) == (
        channel, "sent", "+447700900123")


@pytest.mark.parametrize("signature", ["", "forged"])
async def test_a_forged_or_unsigned_callback_is_refused_and_nothing_written(
        receipts: Receipts, signature: str) -> None:
    async with aiohttp.ClientSession() as session:
        status = await receipts.post(session, _callback(_sid(), "delivered"),
                                     signature=signature)
    assert status == 403
    assert receipts.store.deliveries() == []


async def test_a_signature_for_the_other_channel_is_refused(receipts: Receipts) -> None:
    params = _callback(_sid(), "delivered")
    other = RequestValidator(TOKEN).compute_signature(
        PUBLIC_URL + "/webhooks/whatsapp/status", params)
    async with aiohttp.ClientSession() as session:
        assert await receipts.post(session, params, signature=other) == 403
    assert receipts.store.deliveries() == []


async def test_a_callback_without_sid_or_status_is_a_bad_request(receipts: Receipts) -> None:
    async with aiohttp.ClientSession() as session:
        assert await receipts.post(session, {"MessageSid": _sid()}) == 400
        assert await receipts.post(session, {"MessageStatus": "sent"}) == 400
    assert receipts.store.deliveries() == []


async def test_a_late_sent_does_not_undo_delivered(receipts: Receipts) -> None:
    sid = _sid()
    async with aiohttp.ClientSession() as session:
        assert await receipts.post(session, _callback(sid, "delivered")) == 204
        assert await receipts.post(session, _callback(sid, "sent")) == 204
    assert receipts.status(sid) == "delivered"


async def test_an_undelivered_message_is_logged_with_a_masked_number(
        receipts: Receipts, caplog: pytest.LogCaptureFixture) -> None:
    sid = _sid()
    with caplog.at_level(logging.ERROR, logger="careline.channels.status_callbacks"):
        async with aiohttp.ClientSession() as session:
            status = await receipts.post(session, _callback(sid, "undelivered",
                                                            ErrorCode="30003"))
    assert status == 204 and receipts.status(sid) == "undelivered"
    [record] = [r for r in caplog.records if sid in r.getMessage()]
    assert "30003" in record.getMessage() and mask_phone("+447700900123") in record.getMessage()
    assert "+447700900123" not in record.getMessage()


async def _burst(receipts: Receipts, count: int) -> tuple[list[str], int]:
    """``count`` callbacks at once (sent and delivered of ``count / 2`` messages): the
    messages' SIDs and the transactions committed meanwhile."""
    sids = [_sid() for _ in range(count // 2)]
    callbacks = [_callback(sid, state) for sid in sids for state in ("sent", "delivered")]
    async with aiohttp.ClientSession() as session:
        statuses = await asyncio.gather(*(receipts.post(session, c) for c in callbacks))
    assert statuses == [204] * len(callbacks)
    return sids, len(receipts.commits)


async def test_fifty_concurrent_callbacks_are_all_recorded_in_fewer_transactions(
        receipts: Receipts) -> None:
    sids, commits = await _burst(receipts, 50)
    assert {receipts.status(sid) for sid in sids} == {"delivered"}
    assert commits < 50  # group commit: callbacks queued together share a transaction


@pytest.mark.postgres
async def test_fifty_concurrent_callbacks_on_postgresql(postgres_db: TestDatabase) -> None:
    async for receipts in _serve(postgres_db.engine):
        sids, commits = await _burst(receipts, 50)
        assert {receipts.status(sid) for sid in sids} == {"delivered"}
        assert commits < 50


@pytest.mark.postgres
async def test_an_unwritable_callback_fails_alone_and_its_neighbours_are_recorded(
        postgres_db: TestDatabase) -> None:
    good = [_callback(_sid(), "delivered") for _ in range(20)]
    bad = _callback(_sid(), "undelivered", ErrorCode="3" * 40)  # too long for the column
    async for receipts in _serve(postgres_db.engine):
        async with aiohttp.ClientSession() as session:
            statuses = await asyncio.gather(*(receipts.post(session, c) for c in [*good, bad]))
        assert statuses == [204] * len(good) + [503]
        assert {receipts.status(c["MessageSid"]) for c in good} == {"delivered"}
        assert receipts.status(bad["MessageSid"]) is None


async def test_a_callback_arriving_while_the_writer_lingers_shares_its_transaction(
        database: Engine) -> None:
    """Twilio's sent and delivered for one reply come moments apart, not at once."""
    commits: list[int] = []

    def counted(_connection: object) -> None:
        commits.append(1)

    event.listen(database, "commit", counted)
    writer = StatusWriter(ChannelStore(database), linger_seconds=0.5)
    sids = [_sid(), _sid()]
    try:
        first = asyncio.ensure_future(writer.record(_update(sids[0])))
        await asyncio.sleep(0.05)  # the writer is awake and lingering, nothing written yet
        assert not first.done()
        await asyncio.gather(first, writer.record(_update(sids[1])))
    finally:
        await writer.close()
        event.remove(database, "commit", counted)
    assert len(commits) == 1
    assert {d.message_sid for d in ChannelStore(database).deliveries()} == set(sids)


def _update(sid: str) -> StatusUpdate:
    return StatusUpdate(message_sid=sid, status="delivered", error_code=None,
                        error_message=None, channel="sms", to_address="+447700900123")
