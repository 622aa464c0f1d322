"""The real action server: ``/metrics`` open beside ``/health``, each call counted by
action and outcome, its log lines JSON with the turn's id from the tracker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

from careline.runtime.supervisor import wait_healthy
from careline.settings import PROJECT_ROOT
from tests.careline.observability.test_metrics import sample
from tests.e2e.stack import free_port

SECRET = "observability-test-secret"


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    port, data = free_port(), tmp_path_factory.mktemp("actions")
    log = data / "actions.log"
    env = {**os.environ, "CARELINE_ACTION_SECRET": SECRET, "CARELINE_DATA_DIR": str(data),
           "CARELINE_LOG_FORMAT": "json", "CARELINE_LOG_FILE": str(log)}
    process = subprocess.Popen(
        [sys.executable, "-m", "careline.runtime.action_server", "--port", str(port),
         "--host", "127.0.0.1"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{url}/health", deadline=time.monotonic() + 120, process=process)
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_action_calls_are_counted_and_logged_under_their_turn_id(action_server):
    url, log = action_server
    before = requests.get(f"{url}/metrics", timeout=10)
    assert before.status_code == 200  # no secret needed, nothing of a customer's in it
    call = {"next_action": "action_nobody_wrote", "sender_id": "x",
            "tracker": {"sender_id": "x", "events": [],
                        "latest_message": {"message_id": "SMturn0001", "text": "hi"}}}
    answer = requests.post(f"{url}/webhook", json=call, timeout=10,
                           headers={"Authorization": f"Bearer {SECRET}"})
    assert answer.status_code == 404
    refused = requests.post(f"{url}/webhook", json=call, timeout=10)  # no secret: not counted
    assert refused.status_code == 401
    after = requests.get(f"{url}/metrics", timeout=10).text
    labels = {"action": "action_nobody_wrote", "outcome": "failed"}
    assert sample(after, "careline_actions_total", **labels) == \
        sample(before.text, "careline_actions_total", **labels) + 1
    assert sample(after, "careline_action_seconds_count", action="action_nobody_wrote") >= 1
    assert sample(after, "careline_turns_total") == 0 and "careline_turns" not in after
    deadline = time.monotonic() + 10
    lines: list[dict] = []
    while time.monotonic() < deadline and not any(
            line.get("correlation_id") == "SMturn0001" for line in lines):
        lines = [json.loads(text) for text in log.read_text().splitlines() if text.strip()]
        time.sleep(0.2)
    turn_lines = [line for line in lines if line.get("correlation_id") == "SMturn0001"]
    assert turn_lines and all(line["service"] == "actions" for line in turn_lines)
    assert any("action_nobody_wrote" in line["message"] for line in turn_lines)
