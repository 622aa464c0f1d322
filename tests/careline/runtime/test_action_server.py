"""The action server answers only Rasa: the shared-secret rule, and the real server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from http import HTTPStatus
from typing import Iterator

import pytest
import requests

from careline.runtime.action_secret import action_secret, refusal
from careline.runtime.supervisor import wait_healthy
from careline.settings import PROJECT_ROOT, Settings
from tests.e2e.stack import free_port

SECRET = "s3cret-shared-with-rasa"


@pytest.mark.parametrize(("path", "authorization", "expected"), [
    ("/health", None, None),
    ("/webhook", f"Bearer {SECRET}", None),
    ("/actions", f"Bearer {SECRET}", None),
    ("/webhook", None, HTTPStatus.UNAUTHORIZED),
    ("/webhook", "", HTTPStatus.UNAUTHORIZED),
    ("/webhook", SECRET, HTTPStatus.UNAUTHORIZED),  # no scheme
    ("/webhook", f"Basic {SECRET}", HTTPStatus.UNAUTHORIZED),
    ("/actions", None, HTTPStatus.UNAUTHORIZED),
    ("/health/", None, HTTPStatus.UNAUTHORIZED),  # only the exact probe path is open
    ("/webhook", "Bearer ", HTTPStatus.FORBIDDEN),
    ("/webhook", f"Bearer {SECRET[:-1]}", HTTPStatus.FORBIDDEN),
    ("/webhook", f"Bearer {SECRET}x", HTTPStatus.FORBIDDEN),
    ("/webhook", f"Bearer {SECRET.upper()}", HTTPStatus.FORBIDDEN),
])
def test_only_the_shared_secret_passes(path, authorization, expected):
    assert refusal(path=path, authorization=authorization, secret=SECRET) == expected


def test_an_empty_secret_refuses_everyone_rather_than_falling_open():
    assert refusal(path="/webhook", authorization="Bearer ", secret="") == HTTPStatus.FORBIDDEN


def test_the_local_secret_is_generated_once_and_a_configured_one_wins(tmp_path):
    local = action_secret(Settings(data_dir=tmp_path))
    assert len(local) >= 32 and action_secret(Settings(data_dir=tmp_path)) == local
    assert (tmp_path / "secrets" / "action-secret").stat().st_mode & 0o077 == 0
    assert action_secret(Settings(data_dir=tmp_path, action_secret="operator's")) == "operator's"


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m careline.runtime.action_server`` as make run starts it (secret in its
    environment only)."""
    port = free_port()
    env = {**os.environ, "CARELINE_ACTION_SECRET": SECRET,
           "CARELINE_DATA_DIR": str(tmp_path_factory.mktemp("actions"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "careline.runtime.action_server", "--port", str(port),
         "--host", "127.0.0.1"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(f"{url}/health", deadline=time.monotonic() + 120,
                     process=process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_running_server_refuses_calls_without_the_secret(action_server):
    call = {"next_action": "action_check_balance", "sender_id": "x",
            "tracker": {"sender_id": "x", "slots": {"verified": True}, "events": []}}
    assert requests.post(f"{action_server}/webhook", json=call, timeout=10).status_code == 401
    wrong = requests.post(f"{action_server}/webhook", json=call, timeout=10,
                          headers={"Authorization": "Bearer guessed"})
    assert wrong.status_code == 403 and "balance" not in wrong.text.lower()
    assert requests.get(f"{action_server}/actions", timeout=10).status_code == 401
    assert requests.get(f"{action_server}/health", timeout=10).status_code == 200


def test_the_running_server_serves_rasa_with_the_secret(action_server):
    listed = requests.get(f"{action_server}/actions", timeout=10,
                          headers={"Authorization": f"Bearer {SECRET}"})
    assert listed.status_code == 200
    assert {"name": "action_check_balance"} in listed.json()
    unknown = requests.post(f"{action_server}/webhook", timeout=10,
                            headers={"Authorization": f"Bearer {SECRET}"},
                            json={"next_action": "action_nobody_wrote", "sender_id": "x",
                                  "tracker": {"sender_id": "x", "events": []}})
    assert unknown.status_code == 404  # past the check, rasa_sdk's own answer


def test_a_failed_action_call_is_not_echoed_back_to_rasa(action_server):
    """rasa_sdk answers a failure with the request it was sent (the tracker, a PIN just
    typed), which Rasa then logs; ours says only that the action failed."""
    broken = requests.post(f"{action_server}/webhook", timeout=10,
                           headers={"Authorization": f"Bearer {SECRET}"},
                           json={"next_action": "action_check_balance", "sender_id": "x",
                                 "tracker": {"slots": {"pin": "4921"}}, "domain": 7})
    assert broken.status_code == 500
    assert "4921" not in broken.text and "request_body" not in broken.text
