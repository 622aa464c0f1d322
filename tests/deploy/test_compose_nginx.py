"""compose.yaml's nginx (deploy/nginx/nginx.conf) against the routes
careline/deploy/nginx.py renders for `careline up`, and parsed by this machine's nginx."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from careline.deploy.nginx import (
    EDGE_OUTBOUND_PATHS,
    STICKY_PATHS,
    TWILIO_GATEWAY_PATHS,
    Edge,
    NginxLayout,
    render,
)
from careline.settings import PROJECT_ROOT
from tests.deploy.compose_file import careline_services, nginx_ports, port_of, resolved

__all__ = ["resolved"]  # the module-scoped fixture of compose_file.py

NGINX_CONF = PROJECT_ROOT / "deploy" / "nginx" / "nginx.conf"


def nginx_servers(text: str) -> dict[int, dict[str, str]]:
    """Each ``server`` block's listen port → {location: what it does} (proxy_pass target
    or return code), from a configuration without nested server blocks."""
    text = re.sub(r"#.*", "", text)
    servers: dict[int, dict[str, str]] = {}
    for block in re.finditer(r"server\s*\{(.*?)\n  \}", text, re.S):
        body = block.group(1)
        port = int(re.search(r"listen\s+(?:\S+:)?(\d+)", body).group(1))
        routes = {}
        for location in re.finditer(r"location\s+([^{]+?)\s*\{(.*?)\}", body, re.S):
            action = re.search(r"(proxy_pass\s+http://[\w.:]+|return\s+\d+)", location.group(2))
            routes[location.group(1).strip()] = re.sub(r"\s+", " ", action.group(1))
        servers[port] = routes
    return servers


def nginx_upstreams(text: str) -> dict[str, list[str]]:
    return {name: re.findall(r"server\s+([\w.-]+:\d+)", body)
            for name, body in re.findall(r"upstream\s+(\w+)\s*\{(.*?)\}", text, re.S)}


@pytest.fixture(scope="module")
def nginx_conf() -> str:
    return NGINX_CONF.read_text()


def test_nginx_public_port_has_exactly_the_rendered_public_routes(
        resolved: dict[str, Any], nginx_conf: str) -> None:
    published = {target for _host, _port, target in nginx_ports(resolved)}
    servers = nginx_servers(nginx_conf)
    assert published <= set(servers)
    public = servers[8443]
    expected = {f"{path}": "proxy_pass http://rasa_sticky" for path in STICKY_PATHS}
    expected[f"~ {TWILIO_GATEWAY_PATHS}"] = "proxy_pass http://twilio_gateway"
    expected["= /nginx-health"] = "return 200"
    expected["/"] = "return 404"  # Rasa's API, REST, relayed turns, /metrics: not public
    assert public == expected


def test_nginx_serves_every_route_careline_up_renders(
        resolved: dict[str, Any], nginx_conf: str, tmp_path: Path) -> None:
    """Server by server, location by location, the same doors as careline/deploy/nginx.py
    renders for `careline up` with the same ports; only the upstreams are named by
    Compose service instead of a local port."""
    environment = careline_services(resolved)["rasa"]["environment"]
    public, desk = sorted(target for _host, _port, target in nginx_ports(resolved))
    services = careline_services(resolved)
    desk_port, incidents_port = (port_of(services[name]["command"])
                                 for name in ("desk", "incidents"))
    layout = NginxLayout(
        listen_port=public, api_port=urlparse(environment["CARELINE_RASA_URL"]).port or 0,
        actions_port=urlparse(environment["CARELINE_ACTION_ENDPOINT"]).port or 0,
        rasa_ports=(18100, 18101), action_ports=(18200, 18201), gateway_port=18078,
        prefix=tmp_path, action_timeout_seconds=20, bind_host="127.0.0.1",
        edge=Edge(host="0.0.0.0", desk_listen_port=desk, desk_port=desk_port,
                  incidents_port=incidents_port))
    rendered = render(layout).replace(f"http://127.0.0.1:{desk_port}", "http://desk")
    rendered = rendered.replace(f"http://127.0.0.1:{incidents_port}", "http://incidents")
    assert nginx_servers(nginx_conf) == nginx_servers(rendered)


def test_nginx_desk_port_hides_the_machine_api(nginx_conf: str) -> None:
    desk = nginx_servers(nginx_conf)[9443]
    assert desk == {"/api/": "return 404", "= /metrics": "return 404",
                    "/api/review/": "proxy_pass http://desk", "/": "proxy_pass http://desk"}


def test_nginx_internal_ports_are_the_ones_careline_services_call(
        resolved: dict[str, Any], nginx_conf: str) -> None:
    servers = nginx_servers(nginx_conf)
    environment = careline_services(resolved)["rasa"]["environment"]
    rasa_url = urlparse(environment["CARELINE_RASA_URL"])
    actions_url = urlparse(environment["CARELINE_ACTION_ENDPOINT"])
    assert (rasa_url.hostname, actions_url.hostname) == ("nginx", "nginx")
    assert servers[rasa_url.port]["/"] == "proxy_pass http://rasa"
    assert servers[rasa_url.port]["/incidents"] == "proxy_pass http://incidents"
    assert servers[actions_url.port]["/"] == "proxy_pass http://actions"
    # neither internal port is published
    assert {rasa_url.port, actions_url.port}.isdisjoint(
        target for _host, _port, target in nginx_ports(resolved))


def test_nginx_upstreams_are_the_services_on_their_ports(
        resolved: dict[str, Any], nginx_conf: str) -> None:
    services = careline_services(resolved)
    upstreams = nginx_upstreams(nginx_conf)
    expected = {"rasa": "rasa", "rasa_sticky": "rasa", "twilio_gateway": "gateway",
                "twilio_gateway_outbound": "gateway", "actions": "actions", "desk": "desk",
                "incidents": "incidents"}
    assert set(upstreams) == set(expected)
    for upstream, service in expected.items():
        assert upstreams[upstream] == [f"{service}:{port_of(services[service]['command'])}"]
    assert re.search(r"server rasa:5005 resolve", nginx_conf)  # replicas found as they come


def test_nginx_accepts_the_configuration(nginx_conf: str, tmp_path: Path) -> None:
    """This machine's nginx (1.22) parses the file once the Docker-only parts are swapped
    for local stand-ins: service names for 127.0.0.1, `resolve` (nginx >= 1.27.3) dropped,
    the TLS secrets for a throwaway self-signed pair."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=careline.test", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    local = re.sub(r"server (\w+):(\d+)", r"server 127.0.0.1:\2", nginx_conf)
    local = re.sub(r" resolve\b", "", local).replace("/run/secrets/tls_cert", str(cert))
    local = local.replace("/run/secrets/tls_key", str(key))
    local = local.replace("pid /tmp/nginx.pid;", f"pid {tmp_path}/nginx.pid;")
    local = local.replace("http {", f"http {{\n  client_body_temp_path {tmp_path}/body;\n"
                                     f"  proxy_temp_path {tmp_path}/proxy;", 1)
    conf = tmp_path / "nginx.conf"
    conf.write_text(local)
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_webhooks_pass_to_another_gateway_on_an_error_and_outbound_only_if_never_sent(
        nginx_conf: str) -> None:
    """As careline/deploy/nginx.py renders it: never on a timeout; a webhook or callback
    even once sent (kept-alive connections; answered once), a desk reply only if not."""
    def location(path: str) -> str:
        return nginx_conf.split(f"location ~ {path} {{", 1)[1].split("}", 1)[0]

    webhook, outbound = location(TWILIO_GATEWAY_PATHS), location(EDGE_OUTBOUND_PATHS)
    assert "proxy_pass http://twilio_gateway;" in webhook
    assert "proxy_next_upstream error non_idempotent;" in webhook
    assert "proxy_pass http://twilio_gateway_outbound;" in outbound
    assert "proxy_next_upstream error;" in outbound
    upstreams = dict(re.findall(r"upstream\s+(\w+)\s*\{(.*?)\}", nginx_conf, re.S))
    assert "keepalive 32;" in upstreams["twilio_gateway"]
    assert "keepalive" not in upstreams["twilio_gateway_outbound"]
