import os
import signal
import subprocess
import socket
import sys
import time

import pytest

from careline.runtime.services import ServiceSpec
from careline.runtime.supervisor import ServiceFailed, Supervisor, wait_healthy


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_starts_waits_for_health_and_stops_the_whole_group(tmp_path):
    port = _free_port()
    grandchild_pid_file = tmp_path / "grandchild.pid"
    # The child starts a grandchild (like Rasa's workers) and then serves HTTP.
    script = (
        "import subprocess, sys, http.server;"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
        f"open({str(grandchild_pid_file)!r}, 'w').write(str(p.pid));"
        f"http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port={port}, bind='127.0.0.1')"
    )
    spec = ServiceSpec(name="web", argv=(sys.executable, "-c", script),
                       health_url=f"http://127.0.0.1:{port}/")
    supervisor = Supervisor(tmp_path / "logs", dict(os.environ), tmp_path)
    supervisor.start([spec], timeout=30)
    child = supervisor.running[0].process.pid
    grandchild = int(grandchild_pid_file.read_text())
    assert _alive(child) and _alive(grandchild)

    supervisor.stop(grace=5)

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (_alive(child) or _alive(grandchild)):
        time.sleep(0.1)
    assert not _alive(child)
    assert not _alive(grandchild)
    assert (tmp_path / "logs" / "web.log").exists()


def test_a_child_that_dies_is_reported_with_its_log(tmp_path):
    spec = ServiceSpec(name="broken", argv=(sys.executable, "-c", "raise SystemExit(3)"),
                       health_url=f"http://127.0.0.1:{_free_port()}/")
    supervisor = Supervisor(tmp_path / "logs", dict(os.environ), tmp_path)
    with pytest.raises(ServiceFailed, match="broken: exited with code 3"):
        supervisor.start([spec], timeout=30)
    supervisor.stop()


def test_wait_healthy_gives_up_at_the_deadline():
    with pytest.raises(ServiceFailed, match="did not answer in time"):
        wait_healthy(f"http://127.0.0.1:{_free_port()}/", deadline=time.monotonic() + 1)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_interrupt_even_when_started_with_sigint_ignored(sig):
    script = ("import os, signal, time\n"
              "from careline.runtime.supervisor import stop_on_signals\n"
              "stop_on_signals()\n"
              "try:\n"
              f"    os.kill(os.getpid(), {int(sig)}); time.sleep(5)\n"
              "except KeyboardInterrupt:\n"
              "    print('interrupted')\n")
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # like `cmd &`
    )
    assert result.stdout.strip() == "interrupted", result.stderr


def test_a_port_already_in_use_is_refused_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        spec = ServiceSpec(name="web", argv=(sys.executable, "-c", "raise SystemExit(0)"),
                           health_url=f"http://127.0.0.1:{port}/")
        supervisor = Supervisor(tmp_path / "logs", dict(os.environ), tmp_path)
        with pytest.raises(ServiceFailed, match=f"port {port} is already in use"):
            supervisor.start([spec], timeout=5)
        assert supervisor.running == []
