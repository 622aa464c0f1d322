"""Two Rasa replicas behind a real nginx, the first dying once a request reached it: nginx
runs again on the other replica only what is safe to run twice (turns, whose writes are
keyed by their message id: a relayed turn's MessageSid, a REST turn's X-Request-ID, which
nginx keeps on the retry); any other POST on the API port is never sent twice."""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from careline.deploy.nginx import REQUEST_ID_HEADER, NginxLayout

from .servers import free_port, running_nginx


class Replica(http.server.ThreadingHTTPServer):
    """Counts the POSTs it got; answers them, or (``hangs_up``) reads each and closes."""

    def __init__(self, port: int, *, hangs_up: bool = False) -> None:
        self.received: list[tuple[str, str]] = []  # (path, X-Request-ID)
        self.hangs_up = hangs_up
        super().__init__(("127.0.0.1", port), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # nginx keeps connections to the replicas alive

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        server: Replica = self.server  # type: ignore[assignment]
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server.received.append((self.path, self.headers.get(REQUEST_ID_HEADER, "")))
        if server.hangs_up:  # died after the request reached it
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def replicas() -> Iterator[tuple[Replica, Replica]]:
    base = free_port(2)
    pair = (Replica(base, hangs_up=True), Replica(base + 1))
    yield pair
    for replica in pair:
        replica.shutdown()
        replica.server_close()


@pytest.fixture
def nginx(tmp_path: Path, replicas: tuple[Replica, Replica]) -> Iterator[NginxLayout]:
    layout = NginxLayout(listen_port=free_port(), api_port=free_port(),
                         actions_port=free_port(),
                         rasa_ports=tuple(r.server_address[1] for r in replicas),
                         action_ports=(free_port(),), gateway_port=free_port(),
                         prefix=tmp_path / "nginx", action_timeout_seconds=5)
    with running_nginx(layout):
        yield layout


def post(layout: NginxLayout, path: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{layout.api_port}{path}",
                                     data=b'{"sender": "s", "message": "yes"}', method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_other_posts_that_reached_a_dying_replica_are_not_sent_again(nginx, replicas) -> None:
    """The desk's events, for one, would be appended twice: once sent, a 502."""
    dying, live = replicas
    events = "/conversations/c/tracker/events"
    statuses = sorted(post(nginx, events) for _ in range(2))  # one to each replica
    assert statuses == [200, 502]
    assert (len(dying.received), len(live.received)) == (1, 1)


@pytest.mark.parametrize("path", ["/webhooks/sms/turn", "/webhooks/rest/webhook"])
def test_a_turn_that_reached_a_dying_replica_runs_on_the_other_as_itself(
        nginx, replicas, path: str) -> None:
    dying, live = replicas
    assert [post(nginx, path) for _ in range(2)] == [200, 200]
    [(died_on, request_id)] = dying.received
    assert died_on == path and request_id  # nginx named the request ...
    assert [p for p, _ in live.received] == [path, path]
    assert request_id in {i for _, i in live.received}  # ... and kept its name on the retry
    assert len({i for _, i in live.received}) == 2
