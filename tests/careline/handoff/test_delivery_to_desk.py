"""The outbox against a real desk process: down, back up, restarted; never a duplicate."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from sqlalchemy import text

from careline.desk.api_auth import desk_api_token
from careline.handoff.outbox import OutboxService
from careline.handoff.worker import OutboxWorker
from careline.runtime.supervisor import wait_healthy
from careline.settings import PROJECT_ROOT, get_settings
from tests.careline.handoff.builders import package

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DeskProcess:
    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.port, self.env = port, env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "careline.cli.main", "desk", "--port", str(self.port)],
            cwd=PROJECT_ROOT, env=self.env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(f"http://127.0.0.1:{self.port}/health",
                     deadline=time.monotonic() + 60, process=self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)

    def tickets(self, token: str) -> list[dict]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/queue",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            import json

            return json.loads(response.read())


@pytest.fixture
def desk(careline_env, tmp_path):
    env = dict(os.environ)
    env["CARELINE_EVENTS_DB"] = str(tmp_path / "events.db")
    process = DeskProcess(_free_port(), env)
    yield process
    process.stop()


async def _deliver_until(worker: OutboxWorker, outbox: OutboxService, key: str,
                         deadline: float = 30.0) -> None:
    """Run worker passes (as the worker loop does) until the handoff is delivered."""
    end = time.monotonic() + deadline
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < end:
            await worker.run_once(http)
            if outbox.get(idempotency_key=key).status == "delivered":
                return
            await _sleep(0.2)
    raise AssertionError(f"{key} not delivered in {deadline}s")


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


async def test_desk_down_then_up_then_restarted_loses_nothing_and_duplicates_nothing(
        desk, careline_env):
    settings = get_settings()
    token = desk_api_token(settings)
    outbox = OutboxService(careline_env)
    worker = OutboxWorker(outbox=outbox, desk_url=f"http://127.0.0.1:{desk.port}",
                          token=token, max_backoff=2, timeout=3)
    first, _ = outbox.enqueue(package=package(conversation_id="while-down"))

    async with aiohttp.ClientSession() as http:
        result = await worker.run_once(http)
    assert (result.delivered, result.failed) == (0, 1)
    waiting = outbox.get(idempotency_key=first.idempotency_key)
    assert waiting.status == "pending" and waiting.attempts == 1
    assert "desk unreachable" in waiting.last_error
    assert waiting.next_attempt_at > datetime.now(timezone.utc)

    desk.start()
    await _deliver_until(worker, outbox, first.idempotency_key)
    assert [t["conversation_id"] for t in desk.tickets(token)] == ["while-down"]

    # The desk's acknowledgement was lost: the worker sends the same handoff again.
    with careline_env.begin() as connection:
        connection.execute(text("UPDATE handoff_outbox SET status='pending', "
                                "next_attempt_at=:now"), {"now": datetime.now(timezone.utc)
                                                          - timedelta(seconds=1)})
    await _deliver_until(worker, outbox, first.idempotency_key)
    assert len(desk.tickets(token)) == 1, "a retried handoff must not make a second ticket"

    desk.stop()
    second, _ = outbox.enqueue(package=package(conversation_id="after-restart"))
    async with aiohttp.ClientSession() as http:
        assert (await worker.run_once(http)).failed == 1
    desk.start()
    await _deliver_until(worker, outbox, second.idempotency_key)
    assert sorted(t["conversation_id"] for t in desk.tickets(token)) == [
        "after-restart", "while-down"]
    assert outbox.undelivered() == []
