"""A supervised child's log stays bounded while the child keeps writing to it."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

from careline.runtime.log_rotation import LogRotation
from careline.runtime.services import ServiceSpec
from careline.runtime.supervisor import Supervisor

CHUNK = 3_000
#: The child writes chunk N (a 3 kB line naming N) once the test creates the file go-N,
#: to its stdout, which is the log the supervisor opened; then it serves its health URL.
CHILD = """
import http.server, os, sys, threading, time
directory, port = sys.argv[1], int(sys.argv[2])
def write():
    number = 0
    while True:
        go = os.path.join(directory, f"go-{number}")
        if os.path.exists(go):
            os.write(1, (f"line-{number} " + "x" * %d + "\\n").encode())
            number += 1
        else:
            time.sleep(0.02)
threading.Thread(target=write, daemon=True).start()
http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port=port, bind="127.0.0.1")
""" % CHUNK


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(log: Path, text: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never reached {log}")


def test_a_child_writing_past_the_limit_leaves_at_most_backups_plus_one_files(
        tmp_path: Path) -> None:
    port = _free_port()
    spec = ServiceSpec(name="chatty", argv=(sys.executable, "-c", CHILD, str(tmp_path),
                                            str(port)),
                       health_url=f"http://127.0.0.1:{port}/")
    rotation = LogRotation(max_bytes=10_000, backups=2)
    supervisor = Supervisor(tmp_path / "logs", dict(os.environ), tmp_path, rotation=rotation)
    log = tmp_path / "logs" / "chatty.log"
    supervisor.start([spec], timeout=30)
    try:
        for number in range(20):  # 60 kB in all, six times the limit
            (tmp_path / f"go-{number}").touch()
            _wait_for(log, f"line-{number} ")
            supervisor.tend()
        (tmp_path / "go-20").touch()
        _wait_for(log, "line-20 ")
    finally:
        supervisor.stop(grace=5)

    files = sorted(p.name for p in log.parent.iterdir() if p.name.startswith("chatty.log"))
    assert files == ["chatty.log", "chatty.log.1", "chatty.log.2"]
    assert "line-20 " in log.read_text()  # the live file holds the latest line
    kept = "".join((log.parent / name).read_text() for name in files)
    assert "line-0 " not in kept  # the oldest lines are gone: bounded
    assert "line-19 " in kept and "line-18 " in kept  # nothing recent lost
    for name in files:
        assert (log.parent / name).stat().st_size < rotation.max_bytes + CHUNK + 200, name


def test_without_backups_a_full_log_is_emptied(tmp_path: Path) -> None:
    log = tmp_path / "rasa.log"
    log.write_text("x" * 200)
    assert not LogRotation(max_bytes=201, backups=0).rotate_if_full(log)
    assert LogRotation(max_bytes=200, backups=0).rotate_if_full(log)
    assert log.read_text() == "" and [p.name for p in tmp_path.iterdir()] == ["rasa.log"]
