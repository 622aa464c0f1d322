"""The desk's SQL broker source parks a row it always fails on and goes on; a database
that is away parks nothing (real SQL broker table, real ledger)."""

from __future__ import annotations

import asyncio
import functools
import time
from pathlib import Path
from typing import Callable

import pytest
from rasa.core.brokers.sql import SQLEventBroker
from sqlalchemy import create_engine

from careline.db.migrate import upgrade
from careline.db.session import run_blocking
from careline.desk.events import BrokerMessage, Handler, SqlEventSource
from careline.observability.metrics import registry_for
from careline.poison.ledger import PoisonLedger
from tests.careline.poison.outage import POSTGRES, refused_postgres_url, select_one
from tests.eventually import eventually_async

MAX_TRIES = 3


def user(sender: str, words: str) -> dict:
    return {"sender_id": sender, "event": "user", "text": words, "timestamp": time.time()}


async def run_like_the_desk(source: SqlEventSource, handle: Handler) -> None:
    """consume_forever's loop (careline/desk/app.py) without its pause."""
    while True:
        try:
            await source.run(handle)
        except Exception:  # noqa: BLE001 - the desk logs it and runs the source again
            await asyncio.sleep(0.05)


async def consume(tmp_path: Path, handle: Handler,
                  until: Callable[[list[int]], bool]) -> tuple[list[int], PoisonLedger]:
    url = f"sqlite:///{tmp_path / 'careline.db'}"
    upgrade(url)
    ledger = PoisonLedger(create_engine(url, future=True))
    saved: list[int] = []

    async def load() -> int:
        return saved[-1] if saved else 0

    async def save(position: int) -> None:
        saved.append(position)

    source = SqlEventSource(f"sqlite:///{tmp_path / 'events.db'}", load_cursor=load,
                            save_cursor=save, interval=0.05, ledger=ledger,
                            max_tries=MAX_TRIES)
    task = asyncio.create_task(run_like_the_desk(source, handle))
    try:
        await eventually_async(lambda: until(saved), timeout=30)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return saved, ledger


async def test_a_row_the_desk_always_fails_on_is_parked_and_the_rest_reach_it(tmp_path):
    broker = SQLEventBroker(db=str(tmp_path / "events.db"))
    for sender in ("first", "poison", "last"):
        broker.publish(user(sender, "hello"))
    tries: dict[str, int] = {}
    handled: list[str] = []

    async def handle(message: BrokerMessage) -> None:
        tries[message.conversation_id] = tries.get(message.conversation_id, 0) + 1
        if message.conversation_id == "poison":
            raise KeyError("ticket")
        handled.append(message.conversation_id)

    metric = registry_for("desk")
    before = metric.get_sample_value("careline_poison_parked_total", {"consumer": "desk"}) or 0
    saved, ledger = await consume(tmp_path, handle,
                                  lambda saved: "last" in handled and saved[-1:] == [3])
    assert handled == ["first", "last"]  # each once: the cursor stayed after "first"
    assert tries["poison"] == MAX_TRIES
    [parked] = ledger.parked()
    assert (parked.consumer, parked.key, parked.tries) == ("desk", "events row 2", MAX_TRIES)
    assert metric.get_sample_value("careline_poison_parked_total",
                                   {"consumer": "desk"}) == before + 1


@pytest.mark.postgres
async def test_a_database_outage_parks_no_row(tmp_path):
    """The handler's database refuses connections for more than MAX_TRIES passes, then
    comes back: the row is handled, not parked."""
    SQLEventBroker(db=str(tmp_path / "events.db")).publish(user("waits", "hello"))
    attempts: list[str] = []
    down = refused_postgres_url()

    async def handle(message: BrokerMessage) -> None:
        attempts.append(message.conversation_id)
        back = len(attempts) > MAX_TRIES + 2
        await run_blocking(functools.partial(select_one, POSTGRES if back else down))

    saved, ledger = await consume(tmp_path, handle, lambda saved: saved[-1:] == [1])
    assert ledger.parked() == []
    assert attempts == ["waits"] * (MAX_TRIES + 3)
