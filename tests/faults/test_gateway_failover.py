"""Two Twilio gateways behind a real nginx: a webhook goes to the next gateway only when
the first could not be connected to, never once it was sent (a POST is not idempotent:
Twilio's message must not be processed twice)."""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from careline.deploy.nginx import NginxLayout

from .servers import free_port, running_nginx

WEBHOOK = "/webhooks/sms/webhook"


class Gateway(http.server.ThreadingHTTPServer):
    """Counts the webhooks it got; answers them, or (``hangs_up``) reads one and closes."""

    def __init__(self, port: int, *, hangs_up: bool = False) -> None:
        self.received = 0
        self.hangs_up = hangs_up
        super().__init__(("127.0.0.1", port), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        server: Gateway = self.server  # type: ignore[assignment]
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server.received += 1
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


def _nginx(tmp_path: Path, gateway_port: int) -> Iterator[NginxLayout]:
    layout = NginxLayout(listen_port=free_port(), api_port=free_port(),
                         actions_port=free_port(), rasa_ports=(free_port(),),
                         action_ports=(free_port(),), gateway_port=gateway_port,
                         gateway_count=2, prefix=tmp_path / "nginx", action_timeout_seconds=5)
    with running_nginx(layout):
        yield layout


def _post(layout: NginxLayout) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{layout.listen_port}{WEBHOOK}",
                                     data=b"Body=hello", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def ports() -> int:
    return free_port(2)


def test_a_dead_gateway_costs_no_refusal(tmp_path: Path, ports: int) -> None:
    live = Gateway(ports + 1)  # the first gateway's port has nothing listening: killed
    try:
        for layout in _nginx(tmp_path, ports):
            assert [_post(layout) for _ in range(4)] == [200] * 4
        assert live.received == 4
    finally:
        live.shutdown()
        live.server_close()


def test_a_webhook_already_sent_is_never_sent_to_another_gateway(
        tmp_path: Path, ports: int) -> None:
    first, second = Gateway(ports, hangs_up=True), Gateway(ports + 1)
    try:
        for layout in _nginx(tmp_path, ports):
            statuses = sorted(_post(layout) for _ in range(2))  # one to each gateway
        assert statuses == [200, 502]
        assert (first.received, second.received) == (1, 1)  # the failed one was not retried
    finally:
        for gateway in (first, second):
            gateway.shutdown()
            gateway.server_close()
