"""Rasa's own commands work from the project root in a plain shell (issue #25).

Each test runs the real ``rasa`` of the venv as a designer types it, in an environment
with none of Careline's action variables (``CARELINE_ACTION_ENDPOINT``,
``CARELINE_ACTION_SECRET``): only a data dir and ports of the test's own, so it shares
nothing with a running ``make run``. The model is the one ``make model`` built; nothing
trains here.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from careline.runtime.model_cache import ensure_model
from careline.runtime.supervisor import wait_healthy
from careline.settings import PROJECT_ROOT
from tests.e2e.stack import free_port
from tests.eventually import eventually

pytestmark = pytest.mark.slow

RASA = str(Path(sys.executable).with_name("rasa"))
#: utter_greet, which action_greet (a custom action) sends to a visitor.
GREETING = "Hi, I'm Careline"
#: Loading TensorFlow and the model; generous for a busy 2-core machine.
START_SECONDS = 180


@pytest.fixture(scope="module")
def model() -> Path:
    return ensure_model().path


@pytest.fixture
def plain_env(tmp_path: Path) -> dict[str, str]:
    """A designer's terminal after ``source .venv/bin/activate``, on the test's data dir."""
    return {"HOME": os.environ["HOME"], "LANG": "C.UTF-8",
            "PATH": f"{Path(RASA).parent}:/usr/bin:/bin",
            "CARELINE_DATA_DIR": str(tmp_path / "data"),
            "CARELINE_ACTIONS_PORT": str(free_port())}


def _stop(process: subprocess.Popen) -> None:
    """Stop a command started in its own session, with whatever it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


class Output:
    """Everything a process writes, collected by a thread so a test can wait on it."""

    def __init__(self, stream: int) -> None:
        self.chunks: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: int) -> None:
        while True:
            try:
                data = os.read(stream, 4096)
            except OSError:  # a pty's reader gets EIO once the other side is closed
                return
            if not data:
                return
            self.chunks.append(data.decode(errors="replace"))

    @property
    def text(self) -> str:
        return "".join(self.chunks)


@pytest.fixture
def action_server(plain_env: dict[str, str]) -> Iterator[str]:
    """The action server ``make run`` starts: it refuses callers without the shared secret."""
    port = plain_env["CARELINE_ACTIONS_PORT"]
    process = subprocess.Popen(
        [sys.executable, "-m", "careline.runtime.action_server", "--port", port],
        cwd=PROJECT_ROOT, env=plain_env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/health"
        wait_healthy(url, deadline=time.monotonic() + START_SECONDS, process=process)
        yield url
    finally:
        _stop(process)


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *argv], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def test_rasa_data_validate(plain_env):
    """Bare, as Rasa's docs show it: domain.yml (a link to domain/) is Rasa's default path."""
    result = _run(["data", "validate"], plain_env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "No story structure conflicts found" in result.stdout + result.stderr
    assert "is not in the domain" not in result.stdout + result.stderr


def test_rasa_test_core_on_one_story_file(plain_env, model, tmp_path):
    out = tmp_path / "results"
    result = _run(["test", "core", "--stories", "tests/stories/test_general.yml",
                   "--model", str(model), "--out", str(out)], plain_env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((out / "story_report.json").read_text())
    assert report["conversation_accuracy"]["total"] >= 5
    assert report["conversation_accuracy"]["correct"] == report["conversation_accuracy"]["total"]


def test_rasa_shell_answers_through_the_action_server(plain_env, model, action_server):
    """``hello`` runs action_greet on the action server, which answers only callers with
    the secret: the greeting shows Rasa found the server and its secret unconfigured."""
    process = subprocess.Popen(
        [RASA, "shell", "--model", str(model), "--port", str(free_port())], cwd=PROJECT_ROOT,
        env=plain_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    output = Output(process.stdout.fileno())
    try:
        eventually(lambda: "Bot loaded" in output.text or process.poll() is not None,
                   timeout=START_SECONDS)
        process.stdin.write(b"hello\n")
        process.stdin.flush()
        eventually(lambda: GREETING in output.text or process.poll() is not None, timeout=60)
        assert GREETING in output.text, output.text[-3000:]
        assert "actions=action_greet" in output.text  # Careline's turn log: the custom action
    finally:
        _stop(process)


def test_rasa_interactive_reaches_its_prompt_and_reads_a_message(plain_env, model):
    """Interactive learning asks through a terminal (prompt_toolkit), so it gets one; the
    first message comes back with the question whether the model read it right."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [RASA, "interactive", "--model", str(model), "--port", str(free_port()),
         "--skip-visualization"], cwd=PROJECT_ROOT, env={**plain_env, "TERM": "dumb"},
        stdin=terminal, stdout=terminal, stderr=terminal, start_new_session=True)
    os.close(terminal)
    output = Output(controller)
    try:
        eventually(lambda: "Your input" in output.text or process.poll() is not None,
                   timeout=START_SECONDS)
        assert "Your input" in output.text, output.text[-3000:]
        os.write(controller, b"hello\r")
        question = "classified 'hello' with intent 'greet'"
        eventually(lambda: question in output.text or process.poll() is not None, timeout=60)
        assert question in output.text, output.text[-3000:]
    finally:
        _stop(process)
        os.close(controller)
