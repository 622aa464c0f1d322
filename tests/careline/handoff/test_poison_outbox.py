"""A handoff the worker fails on every time is parked after CARELINE_POISON_MAX_TRIES passes
(the row says so, the metric counts it, ``careline parked`` lists it), and the handoffs
behind it reach a real desk process meanwhile."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import text

from careline.desk.api_auth import desk_api_token
from careline.handoff.outbox import OutboxService
from careline.handoff.worker import CONSUMER, OutboxWorker
from careline.observability.metrics import registry_for
from careline.poison.ledger import PoisonLedger
from careline.settings import get_settings
from tests.careline.handoff.builders import package
from tests.careline.handoff.test_delivery_to_desk import desk  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow
MAX_TRIES = 3


def parked_total() -> float:
    return registry_for("handoff-worker").get_sample_value(
        "careline_poison_parked_total", {"consumer": CONSUMER}) or 0.0


async def test_a_handoff_the_worker_always_fails_on_is_parked(desk, careline_env):  # noqa: F811
    token = desk_api_token(get_settings())
    outbox = OutboxService(careline_env)
    worker = OutboxWorker(outbox=outbox, desk_url=f"http://127.0.0.1:{desk.port}",
                          token=token, timeout=3, max_tries=MAX_TRIES)
    poison, _ = outbox.enqueue(package=package(conversation_id="corrupted"))
    with careline_env.begin() as connection:  # a key no HTTP header can carry
        connection.execute(text("UPDATE handoff_outbox SET idempotency_key = 'bad' || "
                                "char(10) || 'key' WHERE id = :id"), {"id": poison.entry_id})
    good, _ = outbox.enqueue(package=package(conversation_id="behind-it"))
    desk.start()
    before = parked_total()

    async with aiohttp.ClientSession() as http:
        results = [await worker.run_once(http) for _ in range(MAX_TRIES + 1)]

    assert [(r.delivered, r.failed) for r in results] == \
        [(1, 1)] + [(0, 1)] * (MAX_TRIES - 1) + [(0, 0)]  # parked: no longer due
    assert outbox.get(idempotency_key=good.idempotency_key).status == "delivered"
    assert [t["conversation_id"] for t in desk.tickets(token)] == ["behind-it"]
    assert outbox.get(idempotency_key="bad\nkey").status == "parked"
    assert parked_total() == before + 1
    [parked] = PoisonLedger(careline_env).parked()
    assert (parked.consumer, parked.key, parked.tries) == (CONSUMER, "bad\nkey", MAX_TRIES)
    assert parked.error.startswith("ValueError: Newline")
