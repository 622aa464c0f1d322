"""Two Twilio gateways behind a real nginx. A webhook or status callback goes to the next
gateway when the first cannot be connected to or fails after receiving it (the MessageSid
claim answers a webhook the first had claimed as a duplicate, and its turn is re-driven
from the journal); Rasa's messages outside a turn, which send an SMS, only when never sent."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from careline.deploy.nginx import NginxLayout

from .servers import Upstream, free_port, running_nginx

WEBHOOK = "/webhooks/sms/webhook"
OUTBOUND = "/webhooks/sms/outbound"


def _nginx(tmp_path: Path, gateway_port: int) -> Iterator[NginxLayout]:
    layout = NginxLayout(listen_port=free_port(), api_port=free_port(),
                         actions_port=free_port(), rasa_ports=(free_port(),),
                         action_ports=(free_port(),), gateway_port=gateway_port,
                         gateway_count=2, prefix=tmp_path / "nginx", action_timeout_seconds=5)
    with running_nginx(layout):
        yield layout


def _post(layout: NginxLayout, path: str = WEBHOOK) -> int:
    port = layout.api_port if path == OUTBOUND else layout.listen_port
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
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
    live = Upstream(ports + 1)  # the first gateway's port has nothing listening: killed
    try:
        for layout in _nginx(tmp_path, ports):
            assert [_post(layout) for _ in range(4)] == [200] * 4
        assert len(live.received) == 4
    finally:
        live.shutdown()
        live.server_close()


@pytest.fixture
def hanging_first(ports: int) -> Iterator[tuple[Upstream, Upstream]]:
    """Two gateways; the first reads each request and hangs up (it died with it)."""
    gateways = Upstream(ports, hangs_up=True), Upstream(ports + 1)
    yield gateways
    for gateway in gateways:
        gateway.shutdown()
        gateway.server_close()


def test_a_webhook_sent_to_a_gateway_that_died_with_it_goes_to_the_next(
        tmp_path: Path, ports: int, hanging_first: tuple[Upstream, Upstream]) -> None:
    first, second = hanging_first
    for layout in _nginx(tmp_path, ports):
        statuses = [_post(layout) for _ in range(2)]
    assert statuses == [200, 200]
    assert (len(first.received), len(second.received)) == (1, 2)


def test_a_desk_reply_already_sent_is_never_sent_to_another_gateway(
        tmp_path: Path, ports: int, hanging_first: tuple[Upstream, Upstream]) -> None:
    first, second = hanging_first
    for layout in _nginx(tmp_path, ports):
        statuses = sorted(_post(layout, OUTBOUND) for _ in range(2))  # one to each
    assert statuses == [200, 502]
    assert (len(first.received), len(second.received)) == (1, 1)  # not retried
