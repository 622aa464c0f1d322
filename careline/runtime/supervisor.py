"""Start Careline's processes, wait until each is healthy, keep them running until Ctrl-C.

Each child runs in its own process group, so stopping it also stops anything
it spawned (Rasa's workers), and nothing is left behind. A child that exits or
is killed after start-up is restarted with exponential backoff (:class:`RestartPolicy`):
one crashed process must not take a live stack down, and one that crash-loops must
not spin the machine's cores. Only Ctrl-C or SIGTERM stops the stack.
"""

from __future__ import annotations

import logging
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
from typing import IO, Optional, Sequence, cast

from careline.runtime.log_rotation import LogRotation
from careline.runtime.services import ServiceSpec

logger = logging.getLogger("careline.supervisor")


class ServiceFailed(RuntimeError):
    """A child exited or did not become healthy before its deadline."""


@dataclass(frozen=True)
class RestartPolicy:
    """How long to wait before restarting a child that died.

    The delay doubles with each failure in a row (1 s, 2 s, 4 s … ``max_delay``) and
    starts again from ``first_delay`` once a restarted child has stayed healthy for
    ``stable_after`` seconds, so a rare crash is mended at once and a crash loop costs
    one start every ``max_delay``.
    """

    first_delay: float = 1.0
    max_delay: float = 30.0
    stable_after: float = 60.0

    def delay(self, failures: int) -> float:
        """The wait before the restart that follows the ``failures``-th death in a row."""
        return cast("float", min(self.max_delay, self.first_delay * 2 ** max(0, failures - 1)))


@dataclass
class RunningService:
    """A child and its restart bookkeeping (``process`` is replaced on each restart)."""

    spec: ServiceSpec
    process: subprocess.Popen[bytes]
    log: IO[bytes]
    #: Restarts so far, and deaths since the child last stayed healthy.
    restarts: int = 0
    failures: int = 0
    #: When the health endpoint last started answering (None: not yet, since a start).
    healthy_since: Optional[float] = None
    #: When a dead child is due to start again (None: it is running).
    restart_at: Optional[float] = None


def wait_healthy(url: str, *, deadline: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Poll ``url`` until it answers 2xx, the process dies, or the deadline passes."""
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceFailed(f"exited with code {process.returncode} before {url} answered")
        if answers(url, timeout=2):
            return
        time.sleep(0.5)
    raise ServiceFailed(f"{url} did not answer in time")


def answers(url: str, *, timeout: float) -> bool:
    """Whether ``url`` answers 2xx right now."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def exit_reason(returncode: int) -> str:
    """``exited with code 3`` or ``killed by SIGKILL``, for the log."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with code {returncode}"


class Supervisor:
    """Owns the children of ``careline run`` and ``careline up``."""

    def __init__(self, log_dir: Path, env: dict[str, str], cwd: Path,
                 policy: RestartPolicy = RestartPolicy(),
                 rotation: Optional[LogRotation] = None) -> None:
        self.log_dir = log_dir
        self.env = env
        self.cwd = cwd
        self.policy = policy
        self.rotation = rotation or LogRotation.from_settings()
        self.running: list[RunningService] = []

    def start(self, specs: Sequence[ServiceSpec], *, timeout: float = 300.0) -> None:
        """Start every child, then wait until each one's health endpoint answers.

        A port already taken is refused up front: otherwise another process's
        health endpoint would pass for ours. A child that fails here is an error,
        not a restart: a stack that cannot start once should say why.
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
            self.running.append(RunningService(spec, self._spawn(spec, log), log))
        deadline = time.monotonic() + timeout
        for service in self.running:
            try:
                wait_healthy(service.spec.health_url, deadline=deadline,
                             process=service.process)
            except ServiceFailed as error:
                raise ServiceFailed(
                    f"{service.spec.name}: {error}; see {self.log_dir / service.spec.name}.log"
                ) from error
            service.healthy_since = time.monotonic()

    def wait(self, *, tick: float = 0.5) -> None:
        """Keep every child running until the user presses Ctrl-C (or SIGTERM arrives)."""
        while True:
            self.tend()
            time.sleep(tick)

    def tend(self) -> None:
        """One round: note deaths, restart children whose delay is over, watch recoveries,
        rotate full logs."""
        now = time.monotonic()
        for service in self.running:
            self.rotation.rotate_if_full(self.log_dir / f"{service.spec.name}.log")
            if service.restart_at is not None:
                if now >= service.restart_at:
                    self._restart(service)
            elif service.process.poll() is not None:
                self._schedule_restart(service, now)
            elif service.healthy_since is None:
                if answers(service.spec.health_url, timeout=1):
                    service.healthy_since = now
                    logger.info("%s is healthy again after restart %d",
                                service.spec.name, service.restarts)
            elif service.failures and now - service.healthy_since >= self.policy.stable_after:
                service.failures = 0  # stayed up: the next crash is mended at once again

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

    def _spawn(self, spec: ServiceSpec, log: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(spec.argv, cwd=self.cwd, env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def _schedule_restart(self, service: RunningService, now: float) -> None:
        # what the dead leader started (Rasa's workers) may still hold its port
        _signal_group(service.process, signal.SIGKILL)
        service.failures += 1
        delay = self.policy.delay(service.failures)
        service.restart_at, service.healthy_since = now + delay, None
        reason = exit_reason(service.process.returncode)
        logger.warning("%s %s; restarting in %gs (failure %d in a row); its log: %s",
                       service.spec.name, reason, delay, service.failures,
                       self.log_dir / f"{service.spec.name}.log")
        if delay >= self.policy.max_delay:
            logger.warning("%s keeps failing: retrying every %gs until it stays up",
                           service.spec.name, self.policy.max_delay)
        _note(service.log, f"supervisor: {reason}; restart in {delay:g}s")

    def _restart(self, service: RunningService) -> None:
        service.restart_at = None
        try:
            process = self._spawn(service.spec, service.log)
        except OSError as error:  # e.g. its program gone mid-upgrade: try again later
            service.failures += 1
            delay = self.policy.delay(service.failures)
            service.restart_at = time.monotonic() + delay
            logger.error("%s could not be started (%s); retrying in %gs",
                         service.spec.name, error, delay)
            return
        service.process = process
        service.restarts += 1
        _note(service.log, f"supervisor: restart {service.restarts} (pid {process.pid})")
        logger.warning("%s restarted (restart %d, pid %d)", service.spec.name,
                       service.restarts, process.pid)


def stop_on_signals() -> None:
    """Make Ctrl-C and SIGTERM (``kill``, systemd, ``timeout``) raise KeyboardInterrupt.

    Called before starting children, so a signal during start-up stops them too;
    Ctrl-C works even when a shell started us with SIGINT ignored (``cmd &``).
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)


def serve_until_interrupted(supervisor: Supervisor, banner: Sequence[str]) -> None:
    """Print what to try, keep the children running until Ctrl-C, then stop every child."""
    from careline.observability.logs import configure_logging

    configure_logging("supervisor")  # deaths and restarts are reported on our own output
    for line in banner:
        print(line)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        supervisor.wait()
    except KeyboardInterrupt:
        print("\nstopping…", file=sys.stderr)
    finally:
        supervisor.stop()


def _note(log: IO[bytes], line: str) -> None:
    """A line of the supervisor's in the child's own log, where its crash is."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    log.write(f"--- {stamp} {line} ---\n".encode())
    log.flush()


def _listening(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
