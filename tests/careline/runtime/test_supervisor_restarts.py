"""The supervisor keeps children running: restarts with backoff, never stops the others.

Real child processes (tiny ``python -c`` HTTP servers), real signals; the policy's delays
are shrunk so a crash loop runs through its whole backoff within the test.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import pytest

from careline.runtime.services import ServiceSpec
from careline.runtime.supervisor import RestartPolicy, Supervisor, answers, exit_reason

FAST = RestartPolicy(first_delay=0.05, max_delay=0.2, stable_after=0.5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _web(name: str, port: int, crash_marker: Path | None = None) -> ServiceSpec:
    """An HTTP server; with ``crash_marker``, it exits with code 3 while that file exists."""
    crash = (f"import os, sys\nif os.path.exists({str(crash_marker)!r}): sys.exit(3)\n"
             if crash_marker else "")
    script = crash + ("import http.server\n"
                      "http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, "
                      f"port={port}, bind='127.0.0.1')\n")
    return ServiceSpec(name=name, argv=(sys.executable, "-c", script),
                       health_url=f"http://127.0.0.1:{port}/")


def _tend_until(supervisor: Supervisor, done: Callable[[], bool], *, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not done():
        assert time.monotonic() < deadline, "the supervisor did not get there in time"
        supervisor.tend()
        time.sleep(0.02)


@pytest.fixture()
def supervisor(tmp_path: Path):
    running = Supervisor(tmp_path / "logs", dict(os.environ), tmp_path, policy=FAST)
    yield running
    running.stop(grace=5)


def _restart_lines(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "careline.supervisor" and r.getMessage().startswith(f"{name} ")]


def test_the_delay_doubles_up_to_the_cap() -> None:
    policy = RestartPolicy(first_delay=1, max_delay=30)
    assert [policy.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_exits_are_named_by_code_or_signal() -> None:
    assert exit_reason(3) == "exited with code 3"
    assert exit_reason(-signal.SIGKILL) == "killed by SIGKILL"


def test_a_killed_child_is_restarted_and_answers_again(
    supervisor: Supervisor, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="careline.supervisor")
    port = _free_port()
    supervisor.start([_web("web", port)], timeout=30)
    service = supervisor.running[0]
    first = service.process.pid
    os.killpg(first, signal.SIGKILL)
    service.process.wait(timeout=10)
    assert not answers(service.spec.health_url, timeout=1)

    _tend_until(supervisor, lambda: service.restarts == 1 and service.healthy_since is not None)

    assert service.process.pid != first
    assert answers(service.spec.health_url, timeout=5)
    lines = _restart_lines(caplog, "web")
    assert lines[0].startswith("web killed by SIGKILL; restarting in 0.05s (failure 1 in a row)")
    assert "web restarted (restart 1" in lines[1]
    assert lines[2] == "web is healthy again after restart 1"
    log = (tmp_path / "logs" / "web.log").read_text()
    assert "supervisor: killed by SIGKILL; restart in 0.05s" in log
    assert f"supervisor: restart 1 (pid {service.process.pid})" in log


def test_a_crash_loop_backs_off_to_the_cap_and_never_stops_the_others(
    supervisor: Supervisor, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="careline.supervisor")
    marker = tmp_path / "crash"
    steady_port = _free_port()
    supervisor.start([_web("steady", steady_port), _web("flaky", _free_port(), marker)],
                     timeout=30)
    steady, flaky = supervisor.running
    steady_pid = steady.process.pid
    marker.touch()  # from now on every start of "flaky" exits with code 3 at once
    os.killpg(flaky.process.pid, signal.SIGKILL)

    _tend_until(supervisor, lambda: flaky.restarts >= 5)

    deaths = [line for line in _restart_lines(caplog, "flaky") if "restarting in" in line]
    assert deaths[0].startswith("flaky killed by SIGKILL; restarting in 0.05s (failure 1")
    assert [line.split("restarting in ")[1].split("s ")[0] for line in deaths[:5]] == \
        ["0.05", "0.1", "0.2", "0.2", "0.2"]
    assert all(line.startswith("flaky exited with code 3;") for line in deaths[1:])
    assert any(line == "flaky keeps failing: retrying every 0.2s until it stays up"
               for line in _restart_lines(caplog, "flaky"))
    # the other child was never touched
    assert steady.process.pid == steady_pid and steady.process.poll() is None
    assert steady.restarts == 0 and answers(steady.spec.health_url, timeout=5)

    marker.unlink()  # the fault is fixed: the next restart stays up
    _tend_until(supervisor, lambda: flaky.healthy_since is not None)
    assert answers(flaky.spec.health_url, timeout=5)


def test_the_backoff_starts_again_once_a_child_has_stayed_healthy(
    supervisor: Supervisor, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="careline.supervisor")
    supervisor.start([_web("web", _free_port())], timeout=30)
    service = supervisor.running[0]
    for _ in range(2):  # two deaths in a row: the second waits twice as long
        os.killpg(service.process.pid, signal.SIGKILL)
        service.process.wait(timeout=10)
        supervisor.tend()
        _tend_until(supervisor, lambda: service.healthy_since is not None)
    assert service.failures == 2
    assert "restarting in 0.1s (failure 2 in a row)" in _restart_lines(caplog, "web")[-3]

    _tend_until(supervisor, lambda: service.failures == 0)  # healthy for stable_after
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait(timeout=10)
    supervisor.tend()
    assert "restarting in 0.05s (failure 1 in a row)" in _restart_lines(caplog, "web")[-1]


def test_stop_stops_a_child_waiting_for_its_restart(supervisor: Supervisor) -> None:
    supervisor.policy = RestartPolicy(first_delay=60)
    supervisor.start([_web("web", _free_port())], timeout=30)
    service = supervisor.running[0]
    os.killpg(service.process.pid, signal.SIGKILL)
    service.process.wait(timeout=10)
    supervisor.tend()
    assert service.restart_at is not None
    supervisor.stop(grace=5)
    assert supervisor.running == []


def test_a_child_that_cannot_be_started_again_is_retried(
    supervisor: Supervisor, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="careline.supervisor")
    port = _free_port()
    program = tmp_path / "serve"  # its own program, as an upgrade might replace it
    program.write_text(f"#!{sys.executable}\nimport http.server\n"
                       "http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, "
                       f"port={port}, bind='127.0.0.1')\n")
    program.chmod(0o755)
    supervisor.start([ServiceSpec(name="web", argv=(str(program),),
                                  health_url=f"http://127.0.0.1:{port}/")], timeout=30)
    service = supervisor.running[0]
    moved = program.rename(tmp_path / "serve.new")
    os.killpg(service.process.pid, signal.SIGKILL)

    _tend_until(supervisor, lambda: any("could not be started" in line
                                        for line in _restart_lines(caplog, "web")))
    assert service.restarts == 0 and service.restart_at is not None
    moved.rename(program)  # the program is back: the next attempt starts it
    _tend_until(supervisor, lambda: service.restarts == 1 and service.healthy_since is not None)
    assert answers(service.spec.health_url, timeout=5)


def test_serving_restarts_a_killed_child_until_sigterm_then_leaves_nothing(
    tmp_path: Path,
) -> None:
    """What `careline run` and `careline up` do after start-up, in a process of its own."""
    port = _free_port()
    script = f"""
import os, sys
from pathlib import Path
from careline.runtime.services import ServiceSpec
from careline.runtime.supervisor import Supervisor, serve_until_interrupted, stop_on_signals
spec = ServiceSpec(name="web", argv=(sys.executable, "-m", "http.server", "{port}",
                                     "--bind", "127.0.0.1"),
                   health_url="http://127.0.0.1:{port}/")
supervisor = Supervisor(Path({str(tmp_path / "logs")!r}), dict(os.environ), Path("/"))
stop_on_signals()
supervisor.start([spec], timeout=30)
print("pid", supervisor.running[0].process.pid, flush=True)
serve_until_interrupted(supervisor, ["up"])
"""
    env = {**os.environ, "CARELINE_LOG_FORMAT": "text"}
    serving = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env)
    try:
        first = serving.stdout.readline()
        os.killpg(int(first.split()[1]), signal.SIGKILL)
        for expected in (False, True):  # down (the restart waits 1 s), then back
            deadline = time.monotonic() + 30
            while answers(f"http://127.0.0.1:{port}/", timeout=1) is not expected:
                assert time.monotonic() < deadline and serving.poll() is None
                time.sleep(0.05)
        serving.send_signal(signal.SIGTERM)
        rest, _ = serving.communicate(timeout=30)
    finally:
        if serving.poll() is None:
            serving.kill()
    assert serving.returncode == 0
    text = first + rest
    assert "web killed by SIGKILL; restarting in 1s (failure 1 in a row)" in text
    assert "web restarted (restart 1, pid" in text
    assert "stopping" in text
    assert not answers(f"http://127.0.0.1:{port}/", timeout=2)  # the restarted child too
