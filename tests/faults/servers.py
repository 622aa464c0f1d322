"""Throwaway servers the fault tests start, stop and restart on their own ports.

The machine's shared PostgreSQL, Redis and RabbitMQ stay up: PostgreSQL 15 and Redis
run as private instances in a temp dir; RabbitMQ is reached through a TCP proxy
the test can cut (an Erlang node per test run would cost more than the fault).
"""

from __future__ import annotations

import asyncio
import http.server
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from careline.deploy.nginx import REQUEST_ID_HEADER, NginxLayout, write
from careline.deploy.stack import nginx_binary

PG_BIN = Path("/usr/lib/postgresql/15/bin")


#: Every port free_port has handed out in this test session: nothing holds them open until
#: their server starts, so without this a later call (the stand-in's port, picked after the
#: plan's) could be handed ``p+1`` of an earlier span, which is free until that replica starts.
_HANDED_OUT: set[int] = set()


def free_port(span: int = 1) -> int:
    """A port ``p`` such that ``p … p+span-1`` are all free right now and none was handed
    out before in this session."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        ports = range(base, base + span)
        if (base + span < 65000 and _HANDED_OUT.isdisjoint(ports)
                and all(_is_free(port) for port in ports)):
            _HANDED_OUT.update(ports)
            return base


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Upstream(http.server.ThreadingHTTPServer):
    """A process nginx passes POSTs to (a gateway, a Rasa replica): records each one's path
    and X-Request-ID, and answers it, or (``hangs_up``) reads it and closes: the process
    died after the request reached it."""

    def __init__(self, port: int, *, hangs_up: bool = False) -> None:
        self.received: list[tuple[str, str]] = []  # (path, X-Request-ID)
        self.hangs_up = hangs_up
        super().__init__(("127.0.0.1", port), _UpstreamHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _UpstreamHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # nginx keeps connections to its upstreams alive

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        server: Upstream = self.server  # type: ignore[assignment]
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server.received.append((self.path, self.headers.get(REQUEST_ID_HEADER, "")))
        if server.hangs_up:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def running_nginx(layout: NginxLayout) -> Iterator[NginxLayout]:
    """nginx on Careline's own configuration for ``layout``, healthy; stopped after."""
    process = subprocess.Popen([nginx_binary(), "-p", str(layout.prefix), "-c",
                                str(write(layout))], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{layout.api_port}/nginx-health",
                                        timeout=2):
                break
        except OSError:
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.1)
    try:
        yield layout
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_for_port(port: int, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def _as_postgres(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; tests on CI run as root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


class ThrowawayPostgres:
    """A private PostgreSQL 15 cluster (trust auth) on its own port."""

    def __init__(self) -> None:
        # Not under pytest's tmp_path: its parents are private to root, and the
        # server runs as the postgres user.
        self.directory = Path(tempfile.mkdtemp(prefix="careline-pg-"))
        self.data = self.directory / "pgdata"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U",
                                     "postgres", "--auth=trust", "-E", "UTF8"]),
                       check=True, capture_output=True)
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o",
                                     options, "-l", str(self.directory / "pg.log"), "-w",
                                     "start"]), check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m",
                                     "fast", "-w", "stop"]), check=False, capture_output=True)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


class ThrowawayRedis:
    """A private redis-server without persistence on its own port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class CuttableProxy:
    """A TCP proxy to ``target``; :meth:`cut` closes the port and every connection."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._server: Optional[asyncio.base_events.Server] = None
        self._writers: set[asyncio.StreamWriter] = set()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()

    def start(self) -> None:
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)

    def cut(self) -> None:
        asyncio.run_coroutine_threadsafe(self._cut(), self._loop).result(10)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, up_writer})
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self._writers.discard(writer)
