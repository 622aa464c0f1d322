"""``careline parked`` lists what every consumer parked, and leaves it parked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import aio_pika
import pytest
from sqlalchemy import create_engine

from careline.db.migrate import upgrade
from careline.poison.ledger import PoisonLedger
from careline.poison.rabbit import parked_queue
from careline.settings import PROJECT_ROOT
from tests.masking import holds_secret

AMQP = "amqp://guest:guest@127.0.0.1:5672/"


@pytest.fixture()
async def desk_queue():
    name = f"careline-test-{uuid.uuid4().hex[:8]}-desk"
    connection = await aio_pika.connect(AMQP)
    channel = await connection.channel()
    yield name, channel
    for doomed in (name, f"{name}-insight"):
        await channel.queue_delete(parked_queue(doomed))
    await connection.close()


def careline_parked(env: dict[str, str]) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "careline.cli.main", "parked", "--json"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


async def test_parked_lists_the_ledger_and_the_parking_queues_and_keeps_them(
        desk_queue, tmp_path):
    queue, channel = desk_queue
    url = f"sqlite:///{tmp_path / 'careline.db'}"
    upgrade(url)
    engine = create_engine(url, future=True)
    PoisonLedger(engine).failed(consumer="handoff-outbox", key="k-1",
                                error=KeyError("reason"), max_tries=1)
    PoisonLedger(engine).failed(consumer="handoff-outbox", key="k-2",
                                error=KeyError("reason"), max_tries=2)  # one try: not parked
    engine.dispose()
    parking = await channel.declare_queue(parked_queue(queue), durable=True)
    event = {"sender_id": "+447700900101", "event": "user", "text": "my PIN is 2468",
             "timestamp": 1.5}
    await channel.default_exchange.publish(aio_pika.Message(
        json.dumps(event).encode(), headers={"x-careline-tries": 5,
                                             "x-careline-consumer": "desk",
                                             "x-careline-error": "ValueError: bad"}),
        routing_key=parking.name)
    env = {**os.environ, "CARELINE_DATABASE_URL": url, "CARELINE_DATA_DIR": str(tmp_path),
           "CARELINE_EVENT_BROKER_URL": AMQP, "CARELINE_DESK_EVENT_QUEUE": queue,
           "CARELINE_INSIGHT_EVENT_QUEUE": f"{queue}-insight"}

    first = careline_parked(env)
    assert careline_parked(env) == first  # listing takes nothing off the parking queue
    assert [(i["consumer"], i["place"], i["tries"], i["error"]) for i in first] == [
        ("handoff-outbox", "poison_tries", 1, "KeyError: 'reason'"),
        ("desk", parked_queue(queue), 5, "ValueError: bad")]
    assert first[0]["key"] == "k-1"
    assert not holds_secret(json.dumps(first), "2468") and "900101" not in json.dumps(first)
