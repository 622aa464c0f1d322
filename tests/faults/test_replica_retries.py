"""Two Rasa replicas behind a real nginx, the first dying once a request reached it: nginx
runs again on the other replica only what is safe to run twice (turns, whose writes are
keyed by their message id: a relayed turn's MessageSid, a REST turn's X-Request-ID, which
nginx keeps on the retry); any other POST on the API port is never sent twice."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from careline.deploy.nginx import NginxLayout

from .servers import Upstream, free_port, running_nginx


@pytest.fixture
def replicas() -> Iterator[tuple[Upstream, Upstream]]:
    base = free_port(2)
    pair = (Upstream(base, hangs_up=True), Upstream(base + 1))
    yield pair
    for replica in pair:
        replica.shutdown()
        replica.server_close()


@pytest.fixture
def nginx(tmp_path: Path, replicas: tuple[Upstream, Upstream]) -> Iterator[NginxLayout]:
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
