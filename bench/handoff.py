"""Handoff latency: from the action's handoff to the ticket appearing on the desk.

Starts a real desk and a real outbox worker (the processes ``make run``
starts) on a throwaway seeded SQLite database, hands off demo customers the
way ``action_handoff_to_agent`` does, and polls the desk's queue API until
each ticket shows. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

RUNS = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _queue(desk_url: str, token: str) -> list[dict]:
    request = urllib.request.Request(f"{desk_url}/api/queue",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="careline-bench-handoff-") as tmp:
        base = Path(tmp)
        desk_port = _free_port()
        os.environ.update({
            "CARELINE_DATA_DIR": str(base / "data"),
            "CARELINE_DATABASE_URL": f"sqlite:///{base / 'careline.db'}",
            "CARELINE_EVENTS_DB": str(base / "events.db"),
            "CARELINE_DESK_PORT": str(desk_port),
            "CARELINE_DESK_URL": f"http://127.0.0.1:{desk_port}",
            "CARELINE_HANDOFF_WORKER_PORT": str(_free_port()),
        })
        from careline.settings import reset_settings

        reset_settings()
        _run(base, desk_port)


def _run(base: Path, desk_port: int) -> None:
    from careline.desk.api_auth import desk_api_token
    from careline.desk.handoff_flow import handoff_service
    from careline.handoff.service import ConversationFacts
    from careline.profile.seed.runner import seed_database
    from careline.profile.service import ProfileService
    from careline.runtime.supervisor import wait_healthy
    from careline.settings import get_settings

    settings = get_settings()
    seed_database(customers=0)
    token = desk_api_token(settings)
    desk_url = f"http://127.0.0.1:{desk_port}"
    children = [
        subprocess.Popen([sys.executable, "-m", "careline.cli.main", *argv],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
        for argv in (("desk",), ("handoff-worker",))]
    try:
        deadline = time.monotonic() + 60
        wait_healthy(f"{desk_url}/health", deadline=deadline, process=children[0])
        wait_healthy(f"http://127.0.0.1:{settings.resolved_handoff_worker_port}/health",
                     deadline=deadline, process=children[1])
        customer = ProfileService().find_customer_by_account(account_number="CL10000101")
        service = handoff_service()
        build_ms, visible_ms = [], []
        for run in range(RUNS):
            now = time.time()
            events = (
                {"event": "user", "timestamp": now - 30, "text": "my data is down again!!",
                 "message_id": f"bench-{run}-1", "parse_data": {
                     "intent": {"name": "check_outage", "confidence": 0.93}, "entities": []}},
                {"event": "bot", "timestamp": now - 29, "text": "There is an outage in your area."},
                {"event": "user", "timestamp": now, "text": "I want to speak to a person",
                 "message_id": f"bench-{run}-2", "parse_data": {
                     "intent": {"name": "request_human", "confidence": 0.97}, "entities": []}},
            )
            facts = ConversationFacts(
                conversation_id=f"bench-{run}", channel="webchat", sender="priya.shah",
                customer_id=customer.customer_id, verified=True, slot_reason=None,
                latest_intent="request_human", events=events)
            started = time.perf_counter()
            service.hand_off(facts)
            stored = time.perf_counter()
            while not any(t["conversation_id"] == f"bench-{run}" for t in _queue(desk_url, token)):
                time.sleep(0.01)
            build_ms.append((stored - started) * 1000)
            visible_ms.append((time.perf_counter() - started) * 1000)
        _report("build package + write outbox", build_ms)
        _report("handoff -> ticket on the desk", visible_ms)
        print(f"(worker polls the outbox every 0.3 s; {RUNS} handoffs, SQLite, one desk)")
    finally:
        for child in children:
            child.terminate()
            child.wait(timeout=20)


def _report(label: str, values: list[float]) -> None:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{label:32s} median {statistics.median(values):7.1f} ms  "
          f"p95 {p95:7.1f} ms  max {max(values):7.1f} ms")
