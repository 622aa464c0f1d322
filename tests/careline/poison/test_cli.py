"""``careline parked`` lists what every consumer parked, and leaves it parked; ``--replay``
hands back what can go back, once, and says why the rest stays."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import aio_pika
import pytest
from sqlalchemy import create_engine

from careline.db.migrate import upgrade
from careline.handoff.outbox import CONSUMER, OutboxService
from careline.poison.ledger import PoisonLedger
from careline.poison.rabbit import parked_queue
from careline.poison.replay import WHY_LEFT
from careline.settings import PROJECT_ROOT
from tests.careline.handoff.builders import package
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


def operator_env(directory: Path, queue: str) -> tuple[str, dict[str, str]]:
    """A migrated SQLite database of the test's own, and the environment an operator's
    ``careline parked`` runs with against it and the test's queues."""
    url = f"sqlite:///{directory / 'careline.db'}"
    upgrade(url)
    return url, {**os.environ, "CARELINE_DATABASE_URL": url, "CARELINE_DATA_DIR": str(directory),
                 "CARELINE_EVENT_BROKER_URL": AMQP, "CARELINE_DESK_EVENT_QUEUE": queue,
                 "CARELINE_INSIGHT_EVENT_QUEUE": f"{queue}-insight"}


def careline(env: dict[str, str], *args: str) -> list[dict]:
    """``careline parked [args] --json``, as an operator runs it; one object per line."""
    done = subprocess.run([sys.executable, "-m", "careline.cli.main", "parked", *args, "--json"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


async def test_parked_lists_the_ledger_and_the_parking_queues_and_keeps_them(
        desk_queue, tmp_path):
    queue, channel = desk_queue
    url, env = operator_env(tmp_path, queue)
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

    first = careline(env)
    assert careline(env) == first  # listing takes nothing off the parking queue
    assert [(i["consumer"], i["place"], i["tries"], i["error"]) for i in first] == [
        ("handoff-outbox", "poison_tries", 1, "KeyError: 'reason'"),
        ("desk", parked_queue(queue), 5, "ValueError: bad")]
    assert first[0]["key"] == "k-1"
    assert not holds_secret(json.dumps(first), "2468") and "900101" not in json.dumps(first)


async def test_replay_moves_what_can_go_back_says_why_the_rest_stays_and_only_once(
        desk_queue, tmp_path):
    queue, channel = desk_queue
    url, env = operator_env(tmp_path, queue)
    engine = create_engine(url, future=True)
    outbox = OutboxService(engine)
    handoff, _ = outbox.enqueue(package=package(conversation_id="parked-handoff"))
    PoisonLedger(engine).failed(consumer=CONSUMER, key=handoff.idempotency_key,
                                error=KeyError("reason"), max_tries=1)
    outbox.mark_parked(entry_id=handoff.entry_id)
    PoisonLedger(engine).failed(consumer="notices", key="notice 7",
                                error=KeyError("mode"), max_tries=1)
    await channel.declare_queue(queue, durable=True)
    parking = await channel.declare_queue(parked_queue(queue), durable=True)
    await channel.default_exchange.publish(aio_pika.Message(
        b'{"sender_id": "+447700900101", "event": "user", "timestamp": 1.5}',
        headers={"x-careline-tries": 5, "x-careline-consumer": "desk"}),
        routing_key=parking.name)
    left = {"outcome": "left", "consumer": "notices", "place": "poison_tries",
            "key": "notice 7", "why": WHY_LEFT["notices"]}
    try:
        assert careline(env, "--replay", "--consumer", "notices") == [left]

        first = careline(env, "--replay")
        second = careline(env, "--replay")

        back = await (await channel.declare_queue(queue, durable=True)).get(no_ack=True)
    finally:
        await channel.queue_delete(queue)
        engine.dispose()
    assert sorted((i["outcome"], i["consumer"], i["place"], i["to"]) for i in first[:2]) == [
        ("replayed", "desk", parked_queue(queue), queue),
        ("replayed", CONSUMER, "handoff_outbox", "pending")]
    assert first[2:] == [left]
    assert second == [left]
    assert json.loads(back.body)["sender_id"] == "+447700900101"
    assert outbox.get(idempotency_key=handoff.idempotency_key).status == "pending"
    assert [(i["consumer"], i["key"]) for i in careline(env)] == [("notices", "notice 7")]
