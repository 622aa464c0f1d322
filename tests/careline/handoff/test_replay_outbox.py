"""``OutboxService.replay_parked`` (``careline parked --replay``) hands parked handoffs back
to the worker with their attempts and tries forgotten: one whose cause is gone reaches a
real desk process, one still bad gets its full count of tries again before it is parked
again, and a second replay moves nothing."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import text

from careline.desk.api_auth import desk_api_token
from careline.handoff.outbox import CONSUMER, OutboxService
from careline.handoff.worker import DeliveryResult, OutboxWorker
from careline.poison.ledger import PoisonLedger
from careline.settings import get_settings
from tests.careline.handoff.builders import package
from tests.careline.handoff.test_delivery_to_desk import desk  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow
MAX_TRIES = 3


async def test_replayed_handoffs_go_back_to_the_worker_with_their_tries_reset(
        desk, careline_env):  # noqa: F811
    token = desk_api_token(get_settings())
    outbox = OutboxService(careline_env)
    ledger = PoisonLedger(careline_env)
    worker = OutboxWorker(outbox=outbox, desk_url=f"http://127.0.0.1:{desk.port}",
                          token=token, timeout=3, max_tries=MAX_TRIES)
    fixed, _ = outbox.enqueue(package=package(conversation_id="cause-fixed"))
    for _ in range(MAX_TRIES):  # what the worker records while the desk answers HTTP 500
        outbox.mark_failed(entry_id=fixed.entry_id, error="desk answered HTTP 500",
                           permanent=False, max_backoff=1)
        ledger.failed(consumer=CONSUMER, key=fixed.idempotency_key,
                      error=ValueError("desk answered HTTP 500"), max_tries=MAX_TRIES)
    outbox.mark_parked(entry_id=fixed.entry_id)
    still_bad, _ = outbox.enqueue(package=package(conversation_id="still-bad"))
    with careline_env.begin() as connection:  # a key no HTTP header can carry
        connection.execute(text("UPDATE handoff_outbox SET idempotency_key = 'bad' || "
                                "char(10) || 'key' WHERE id = :id"), {"id": still_bad.entry_id})
    desk.start()

    async with aiohttp.ClientSession() as http:
        for _ in range(MAX_TRIES):  # the worker parks the bad one itself
            await worker.run_once(http)
        assert outbox.get(idempotency_key="bad\nkey").status == "parked"
        assert await worker.run_once(http) == DeliveryResult(delivered=0, failed=0)

        replayed = outbox.replay_parked()

        assert sorted((i.conversation_id, i.status, i.attempts) for i in replayed) == [
            ("cause-fixed", "pending", 0), ("still-bad", "pending", 0)]
        assert ledger.parked() == []
        assert await worker.run_once(http) == DeliveryResult(delivered=1, failed=1)
        assert outbox.get(idempotency_key="bad\nkey").status == "pending"  # one try of three
        assert outbox.replay_parked() == []

    assert outbox.get(idempotency_key=fixed.idempotency_key).status == "delivered"
    assert [t["conversation_id"] for t in desk.tickets(token)] == ["cause-fixed"]
