"""`careline run` end to end: it answers "hi" and Ctrl-C leaves no process behind."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from careline.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return b""


def _processes_with_data_dir(data_dir: Path) -> list[int]:
    """Every live process started with this test's data dir in its environment."""
    marker = f"CARELINE_DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                state = (entry / "stat").read_text().split()[2]
                if state != "Z":
                    found.append(int(entry.name))
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return found


def _wait_for_line(process: subprocess.Popen, text: str, deadline: float) -> str:
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"{text!r} never printed; output:\n{''.join(seen)}")


@pytest.fixture()
def careline_env(tmp_path):
    env = dict(os.environ)
    ports = {name: _free_port()
             for name in ("RASA", "ACTIONS", "DESK", "HANDOFF_WORKER", "TWILIO_STANDIN", "EDGE")}
    env.update({f"CARELINE_{name}_PORT": str(port) for name, port in ports.items()})
    env["CARELINE_DATA_DIR"] = str(tmp_path / "data")
    env["CARELINE_RASA_URL"] = f"http://127.0.0.1:{ports['RASA']}"
    env.pop("CARELINE_DATABASE_URL", None)
    env.pop("CARELINE_ACTION_ENDPOINT", None)
    return env, ports


def test_run_answers_hi_and_stops_cleanly(careline_env):
    env, ports = careline_env
    data_dir = Path(env["CARELINE_DATA_DIR"])
    process = subprocess.Popen(
        [sys.executable, "-m", "careline.cli.main", "run"], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        banner = _wait_for_line(process, "Press Ctrl-C to stop.", time.monotonic() + 300)
        assert f"http://127.0.0.1:{ports['RASA']}/webhooks/rest/webhook" in banner

        rest = f"http://127.0.0.1:{ports['RASA']}/webhooks/rest/webhook"
        hello = {"sender": "run-test", "message": "hi"}
        assert requests.post(rest, json=hello, timeout=60).status_code == 401
        rest_token = (data_dir / "secrets" / "rest-token").read_text().strip()
        reply = requests.post(rest, json=hello, timeout=60,
                              headers={"Authorization": f"Bearer {rest_token}"})
        assert reply.status_code == 200
        assert any(message.get("text") for message in reply.json())

        chat = subprocess.run(
            [sys.executable, "-m", "careline.cli.main", "chat", "--sender", "run-test-chat"],
            input="hello\n/quit\n", capture_output=True, text=True, env=env, timeout=60,
        )
        assert chat.returncode == 0, chat.stderr
        assert "Careline:" in chat.stdout and "(no reply)" not in chat.stdout

        # an SMS takes the path it takes under `careline up`: the Twilio edge relays it
        assert f"http://127.0.0.1:{ports['EDGE']}/webhooks/sms/webhook" in banner
        sms = subprocess.run(
            [sys.executable, "-m", "careline.cli.main", "sms", "--from", "+447700900101",
             "--timeout", "60", "hi"], capture_output=True, text=True, env=env, timeout=90)
        assert sms.returncode == 0, sms.stderr
        assert "Careline:" in sms.stdout

        token = (data_dir / "secrets" / "rasa-token").read_text().strip()
        status = requests.get(f"http://127.0.0.1:{ports['RASA']}/status", timeout=10)
        assert status.status_code == 401, "the HTTP API must refuse requests without the token"
        status = requests.get(f"http://127.0.0.1:{ports['RASA']}/status",
                              params={"token": token}, timeout=10)
        assert status.status_code == 200
        children = _processes_with_data_dir(data_dir)
        assert len(children) >= 2
        shown = [pid for pid in children if token.encode() in _command_line(pid)]
        assert shown == [], "the API token must not be readable in `ps`"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _processes_with_data_dir(data_dir):
        time.sleep(0.2)
    assert _processes_with_data_dir(data_dir) == []


def test_second_run_reuses_the_cached_model(careline_env):
    env, _ = careline_env
    result = subprocess.run([sys.executable, "-m", "careline.cli.main", "model"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, result.stderr
    again = subprocess.run([sys.executable, "-m", "careline.cli.main", "model"],
                           cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("reused cached model")
