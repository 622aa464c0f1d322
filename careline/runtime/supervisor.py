"""Start Careline's processes, wait until each is healthy, stop all on Ctrl-C.

Each child runs in its own process group, so stopping it also stops anything
it spawned (Rasa's workers), and nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Sequence

from careline.runtime.services import ServiceSpec


class ServiceFailed(RuntimeError):
    """A child exited or did not become healthy before its deadline."""


@dataclass
class RunningService:
    spec: ServiceSpec
    process: subprocess.Popen
    log: IO[bytes]


def wait_healthy(url: str, *, deadline: float, process: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it answers 2xx, the process dies, or the deadline passes."""
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceFailed(f"exited with code {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if 200 <= response.status < 300:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise ServiceFailed(f"{url} did not answer in time")


class Supervisor:
    """Owns the children of ``careline run``."""

    def __init__(self, log_dir: Path, env: dict[str, str], cwd: Path) -> None:
        self.log_dir = log_dir
        self.env = env
        self.cwd = cwd
        self.running: list[RunningService] = []

    def start(self, specs: Sequence[ServiceSpec], *, timeout: float = 300.0) -> None:
        """Start every child, then wait until each one's health endpoint answers.

        A port already taken is refused up front: otherwise another process's
        health endpoint would pass for ours.
        """
        for spec in specs:
            health = urllib.parse.urlsplit(spec.health_url)
            if health.port is not None and _listening(health.hostname or "127.0.0.1",
                                                      health.port):
                raise ServiceFailed(f"{spec.name}: port {health.port} is already in use "
                                    "(is Careline already running?)")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for spec in specs:
            log = open(self.log_dir / f"{spec.name}.log", "ab")
            process = subprocess.Popen(
                spec.argv, cwd=self.cwd, env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
            self.running.append(RunningService(spec, process, log))
        deadline = time.monotonic() + timeout
        for service in self.running:
            try:
                wait_healthy(service.spec.health_url, deadline=deadline,
                             process=service.process)
            except ServiceFailed as error:
                raise ServiceFailed(
                    f"{service.spec.name}: {error}; see {self.log_dir / service.spec.name}.log"
                ) from error

    def wait(self) -> None:
        """Block until a child exits (an error) or the user presses Ctrl-C."""
        while True:
            for service in self.running:
                if service.process.poll() is not None:
                    raise ServiceFailed(
                        f"{service.spec.name} exited with code {service.process.returncode}"
                    )
            time.sleep(1)

    def stop(self, *, grace: float = 15.0) -> None:
        for service in reversed(self.running):
            _signal_group(service.process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for service in self.running:
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(service.process, signal.SIGKILL)
                service.process.wait()
            _signal_group(service.process, signal.SIGKILL)  # stragglers in the group
            service.log.close()
        self.running.clear()


def stop_on_signals() -> None:
    """Make Ctrl-C and SIGTERM (``kill``, systemd, ``timeout``) raise KeyboardInterrupt.

    Called before starting children, so a signal during start-up stops them too;
    Ctrl-C works even when a shell started us with SIGINT ignored (``cmd &``).
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)


def serve_until_interrupted(supervisor: Supervisor, banner: Sequence[str]) -> None:
    """Print what to try, wait for Ctrl-C (or a child's death), then stop every child."""
    for line in banner:
        print(line)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        supervisor.wait()
    except KeyboardInterrupt:
        print("\nstopping…", file=sys.stderr)
    finally:
        supervisor.stop()


def _listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
