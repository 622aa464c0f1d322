"""The edge: nginx's public ports listen on CARELINE_EDGE_HOST, terminate TLS with the
operator's certificate, and put the agents' desk (not its machine API) on the edge; the
incidents API is reachable only on the internal port.

A real nginx runs the rendered configuration with a certificate made by ``openssl req``
for this test, in front of the real desk application.
"""

from __future__ import annotations

import re
import ssl
import subprocess
import time
from pathlib import Path
from typing import AsyncIterator, Iterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from careline.deploy.nginx import Edge, NginxLayout, render, write
from careline.deploy.stack import StackPlan, nginx_binary, services
from careline.proactive.views import build_app as incidents_app
from careline.proactive.wiring import outage_care
from careline.settings import Settings, get_settings
from tests.careline.desk.conftest import closed_port, running_desk
from tests.careline.handoff.conftest import careline_env, engine, seeded_template  # noqa: F401
from tests.e2e.stack import free_port


def layout(prefix: Path, edge: Edge, bind_host: str = "127.0.0.1") -> NginxLayout:
    return NginxLayout(listen_port=18080, api_port=18077, actions_port=18079,
                       rasa_ports=(18100,), action_ports=(18200,), gateway_port=18078,
                       prefix=prefix, action_timeout_seconds=20, bind_host=bind_host, edge=edge)


def servers(text: str) -> dict[str, str]:
    """Each ``server { … }`` block by the address it listens on."""
    blocks = text.split("\n  server {")[1:]
    return {re.search(r"listen (\S+?)( ssl)?;", block).group(1): block for block in blocks}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid from now (any date the test runs)."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "edge.pem", directory / "edge.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def test_the_public_ports_listen_on_the_edge_host_and_the_rest_on_the_bind_host(
        tmp_path: Path) -> None:
    edge = Edge(host="0.0.0.0", desk_listen_port=18081, desk_port=5080, incidents_port=5082)
    found = servers(render(layout(tmp_path, edge, bind_host="10.1.2.3")))
    assert set(found) == {"0.0.0.0:18080", "0.0.0.0:18081", "10.1.2.3:18077",
                          "10.1.2.3:18079"}
    assert "proxy_pass http://10.1.2.3:5080;" in found["0.0.0.0:18081"]
    internal = found["10.1.2.3:18077"]
    assert "location /incidents {" in internal and "proxy_pass http://10.1.2.3:5082;" in internal
    for public in ("0.0.0.0:18080", "0.0.0.0:18081"):
        assert "/incidents" not in found[public] and ":5082" not in found[public]
    assert "ssl" not in render(layout(tmp_path, edge))


def test_the_edge_defaults_to_loopback_and_the_settings_move_it(tmp_path: Path) -> None:
    assert "127.0.0.1:18080" in servers(render(layout(tmp_path, Edge())))
    settings = Settings(edge_host="192.0.2.10", desk_port=6080, tls_cert_file=tmp_path / "c",
                        tls_key_file=tmp_path / "k")
    edge = Edge.from_settings(settings, desk_listen_port=18081)
    assert (edge.host, edge.desk_port, edge.tls) == ("192.0.2.10", 6080, True)
    assert edge.incidents_port == settings.resolved_incident_api_port


def test_with_certificate_and_key_both_public_ports_terminate_tls(tmp_path: Path) -> None:
    edge = Edge(tls_cert_file=tmp_path / "edge.pem", tls_key_file=tmp_path / "edge.key",
                desk_listen_port=18081, desk_port=5080)
    text = render(layout(tmp_path, edge))
    assert text.count(f"ssl_certificate {tmp_path / 'edge.pem'};") == 2
    assert text.count(f"ssl_certificate_key {tmp_path / 'edge.key'};") == 2
    assert "listen 127.0.0.1:18080 ssl;" in text and "listen 127.0.0.1:18081 ssl;" in text
    assert "listen 127.0.0.1:18077;" in text  # internal ports stay plain HTTP


def test_careline_up_s_plan_publishes_https_urls_and_checks_nginx_internally(
        tmp_path: Path) -> None:
    edge = Edge(tls_cert_file=tmp_path / "c", tls_key_file=tmp_path / "k",
                desk_listen_port=18081, desk_port=5080, incidents_port=5082)
    plan = StackPlan(replicas=1, port=18080, api_port=18077, actions_port=18079,
                     rasa_base_port=18100, action_base_port=18200, gateway_port=18078,
                     data_dir=tmp_path, model=tmp_path / "m", token="t", edge=edge)
    assert plan.url == "https://127.0.0.1:18080"
    nginx = next(spec for spec in services(plan) if spec.name == "nginx")
    assert nginx.health_url == "http://127.0.0.1:18077/nginx-health"
    assert "Agent desk (edge, agents sign in): https://127.0.0.1:18081/" in nginx.urls
    assert "Incidents API (internal, bearer token): POST http://127.0.0.1:18077/incidents" in (
        nginx.urls)


@pytest.fixture
async def desk_port(careline_env, tmp_path: Path) -> AsyncIterator[int]:  # noqa: F811
    """The real desk application on a free port, with one agent, Ana."""
    async with running_desk(careline_env, tmp_path) as port:
        yield port


@pytest.fixture
async def incidents_port(careline_env) -> AsyncIterator[int]:  # noqa: F811
    """The real incidents API on a free port (nothing to send: no Rasa, no stand-in)."""
    care = outage_care(get_settings(), engine=careline_env, with_rasa=False)
    server = TestServer(incidents_app(care, token="the-incidents-token",
                                      tracker_sync_seconds=None), host="127.0.0.1")
    await server.start_server()
    yield server.port
    await server.close()


@pytest.fixture
def tls_edge(certificate: tuple[Path, Path], desk_port: int, incidents_port: int,
             tmp_path: Path) -> Iterator[NginxLayout]:
    """A real nginx with TLS on the edge, the desk behind its own edge port, the
    incidents API behind the internal one."""
    cert, key = certificate
    edge = Edge(tls_cert_file=cert, tls_key_file=key, desk_listen_port=free_port(),
                desk_port=desk_port, incidents_port=incidents_port)
    nginx = NginxLayout(listen_port=free_port(), api_port=free_port(),
                        actions_port=free_port(), rasa_ports=(closed_port(),),
                        action_ports=(closed_port(),), gateway_port=closed_port(),
                        prefix=tmp_path / "nginx", action_timeout_seconds=5, edge=edge)
    process = subprocess.Popen([nginx_binary(), "-p", str(nginx.prefix), "-c",
                                str(write(nginx))], stderr=subprocess.PIPE)
    try:
        _wait_listening(nginx, process)
        yield nginx
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_listening(nginx: NginxLayout, process: subprocess.Popen) -> None:
    """Until nginx's internal health answers (its public ports are bound by then)."""
    import urllib.request

    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{nginx.api_port}/nginx-health",
                                        timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, "nginx did not start"
        time.sleep(0.1)


def _trusting(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


async def test_a_real_nginx_serves_https_with_the_certificate(tls_edge: NginxLayout,
                                                              certificate) -> None:
    cert, _ = certificate
    public = f"https://127.0.0.1:{tls_edge.listen_port}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{public}/nginx-health", ssl=_trusting(cert)) as response:
            assert response.status == 200 and await response.text() == "ok\n"
            assert "max-age" in response.headers["Strict-Transport-Security"]
        # the certificate is the one the operator named, so a client without it refuses it
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await session.get(f"{public}/nginx-health")
        async with session.get(f"http://127.0.0.1:{tls_edge.listen_port}/nginx-health"
                               ) as plain:
            assert plain.status == 400  # plain HTTP is not answered on the TLS port


async def test_agents_sign_in_to_the_desk_through_the_tls_edge(tls_edge: NginxLayout,
                                                                certificate) -> None:
    cert, _ = certificate
    desk = f"https://127.0.0.1:{tls_edge.edge.desk_listen_port}"
    trust = _trusting(cert)
    # an address, not a name: aiohttp keeps cookies for it only when told to
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(f"{desk}/", ssl=trust, allow_redirects=False) as anonymous:
            assert anonymous.status == 303 and anonymous.headers["Location"] == "/login"
        async with session.get(f"{desk}/login", ssl=trust) as form:
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', await form.text()).group(1)
        async with session.post(f"{desk}/login", ssl=trust, data={
                "username": "ana", "password": "correct horse", "csrf_token": csrf}) as signed:
            assert signed.status == 200 and "Ana Agent" in await signed.text()
        # the desk's machine API (the handoff worker's) and metrics stay internal
        direct = f"http://127.0.0.1:{tls_edge.edge.desk_port}"
        async with session.post(f"{direct}/api/handoffs", json={}) as internal:
            assert internal.status == 401  # exists, behind its token
        for method, path in (("POST", "/api/handoffs"), ("GET", "/api/queue"),
                             ("GET", "/metrics")):
            async with session.request(method, f"{desk}{path}", ssl=trust) as refused:
                assert refused.status == 404, path
        # the designers' review API is the desk's own, behind the session: an agent reaches
        # it and is refused by role
        async with session.get(f"{desk}/api/review/messages", ssl=trust) as by_role:
            assert by_role.status == 403


async def test_the_incidents_api_is_on_the_internal_port_only(tls_edge: NginxLayout,
                                                              certificate) -> None:
    cert, _ = certificate
    internal = f"http://127.0.0.1:{tls_edge.api_port}/incidents"
    async with aiohttp.ClientSession() as session:
        async with session.post(internal, json={}) as anonymous:
            assert anonymous.status == 401  # the incidents API's own answer: its token
        async with session.post(internal, json={"incident_id": "INC-1"}, headers={
                "Authorization": "Bearer the-incidents-token"}) as invalid:
            assert invalid.status == 422  # past the token, to the API's validation
        for port in (tls_edge.listen_port, tls_edge.edge.desk_listen_port):
            async with session.post(f"https://127.0.0.1:{port}/incidents", json={},
                                    ssl=_trusting(cert)) as public:
                assert public.status == 404
