"""compose.yaml: valid for docker-compose, and the properties an operator relies on.

docker-compose 1.29.2's ``config`` (no engine needed) validates the file against the
Compose schema and resolves it with every required variable set; the tests then read the
resolved file. nginx's Compose configuration is compared with the routes
careline/deploy/nginx.py renders for `careline up`, and parsed by this machine's nginx.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from careline.cli.main import build_parser
from careline.deploy.nginx import STICKY_PATHS, TWILIO_GATEWAY_PATHS, Edge, NginxLayout, render
from careline.settings import PROJECT_ROOT, Profile, Settings

COMPOSE_FILE = PROJECT_ROOT / "compose.yaml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
NGINX_CONF = PROJECT_ROOT / "deploy" / "nginx" / "nginx.conf"
#: ${NAME}, ${NAME:-default}, ${NAME:?error} …
INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")
#: Variables with a default: where and what to run, never a secret.
DEFAULTED = {"CARELINE_IMAGE", "CARELINE_EDGE_HOST", "CARELINE_EDGE_PORT",
             "CARELINE_DESK_EDGE_PORT", "CARELINE_TIMEZONE"}
LONG_RUNNING_RESTARTS = {"always", "unless-stopped", "on-failure"}


def example_variables() -> list[str]:
    return [line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def compose_variables() -> dict[str, tuple[str, str]]:
    """Each variable compose.yaml interpolates: its operator (``:?``, ``:-`` …) and value."""
    return {name: (operator or "", value or "")
            for name, operator, value in INTERPOLATION.findall(COMPOSE_FILE.read_text())}


def operator_values(tmp_path: Path, *, leave_out: str = "") -> dict[str, str]:
    """A made-up value for every variable of .env.example, as an operator's .env holds."""
    cert, key = tmp_path / "edge.crt", tmp_path / "edge.key"
    cert.write_text("test certificate\n")
    key.write_text("test key\n")
    values = {name: f"value-of-{name.lower().replace('_', '-')}" for name in example_variables()}
    values.update({"CARELINE_TLS_CERT_FILE": str(cert), "CARELINE_TLS_KEY_FILE": str(key),
                   "CARELINE_PUBLIC_URL": "https://careline.example.net",
                   "CARELINE_IMAGE": "registry.example.net/careline:0.1.0",
                   "CARELINE_EDGE_HOST": "0.0.0.0", "CARELINE_EDGE_PORT": "443",
                   "CARELINE_DESK_EDGE_PORT": "8443"})
    # the senders, given as an operator with two numbers gives them (passed through)
    values.update({"TWILIO_SMS_FROM": "+447400123456", "TWILIO_WHATSAPP_FROM": "+447400123457"})
    values.pop("TWILIO_MESSAGING_SERVICE_SID")
    values.pop(leave_out, None)
    return values


def compose_config(tool: Path, values: dict[str, str],
                   tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` with ``values`` in an env file, as `cp .env.example .env`
    gives them, in an otherwise clean environment (the test's own CARELINE_* or TWILIO_*
    must not leak into what is validated)."""
    env_file = tmp_path / "operator.env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return subprocess.run([str(tool), "--file", str(COMPOSE_FILE), "--project-directory",
                           str(PROJECT_ROOT), "--env-file", str(env_file), "config"],
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def resolved(docker_compose: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    directory = tmp_path_factory.mktemp("compose")
    env = operator_values(directory)
    result = compose_config(docker_compose, env, directory)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    config["_env"] = env
    return config


def careline_services(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    image = config["_env"]["CARELINE_IMAGE"]
    return {name: s for name, s in config["services"].items() if s.get("image") == image}


def test_docker_compose_validates_the_file(resolved: dict[str, Any]) -> None:
    assert {"postgres", "redis", "rabbitmq", "migrate", "rasa", "actions", "gateway", "desk",
            "handoff-worker", "insight", "incidents", "nginx"} <= set(resolved["services"])


def test_only_nginx_publishes_ports_on_the_edge_address(resolved: dict[str, Any]) -> None:
    publishing = {name for name, s in resolved["services"].items() if s.get("ports")}
    assert publishing == {"nginx"}
    for service in resolved["services"].values():
        assert service.get("network_mode") != "host"
    for host_ip, _published, _target in nginx_ports(resolved):
        assert host_ip == resolved["_env"]["CARELINE_EDGE_HOST"]


def nginx_ports(config: dict[str, Any]) -> list[tuple[str, int, int]]:
    """nginx's published ports as (host address, host port, container port)."""
    ports = []
    for port in config["services"]["nginx"]["ports"]:  # "127.0.0.1:443:8443/tcp"
        host_ip, published, target = port.split("/")[0].rsplit(":", 2)
        ports.append((host_ip, int(published), int(target)))
    return ports


def test_every_long_running_service_restarts_and_has_a_health_check(
        resolved: dict[str, Any]) -> None:
    for name, service in resolved["services"].items():
        if name == "migrate":
            assert service.get("restart") == "no"
            continue
        assert service.get("restart") in LONG_RUNNING_RESTARTS, name
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), name


def test_no_secret_has_a_default_value() -> None:
    variables = compose_variables()
    for name, (operator, _value) in variables.items():
        if name in DEFAULTED:
            assert operator == ":-", name
        else:
            assert operator == ":?", f"{name} must be required (${{{name}:?…}})"
    assert not [n for n in DEFAULTED for word in ("PASSWORD", "TOKEN", "SECRET") if word in n]


#: One of each kind: a service's secret, a database password, a file of the edge's, the URL.
@pytest.mark.parametrize("variable", ["TWILIO_AUTH_TOKEN", "POSTGRES_PASSWORD",
                                      "CARELINE_TLS_KEY_FILE", "CARELINE_PUBLIC_URL"])
def test_a_missing_required_variable_stops_compose_and_is_named(
        docker_compose: Path, tmp_path: Path, variable: str) -> None:
    result = compose_config(docker_compose, operator_values(tmp_path, leave_out=variable),
                            tmp_path)
    assert result.returncode != 0
    assert variable in result.stderr


def test_env_example_lists_every_variable_without_values() -> None:
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert all(line.endswith("=") for line in lines), "values belong in .env, never here"
    optional_passthrough = {name for name, s in _raw_environment().items() if s is None}
    assert set(example_variables()) == set(compose_variables()) | optional_passthrough


def _raw_environment() -> dict[str, Any]:
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    return dict(raw["x-careline-environment"])


def test_secrets_reach_the_services_only_from_the_environment(resolved: dict[str, Any]) -> None:
    env = resolved["_env"]
    for name, service in careline_services(resolved).items():
        environment = service["environment"]
        assert environment["CARELINE_PROFILE"] == "production", name
        for variable in ("CARELINE_RASA_TOKEN", "CARELINE_ACTION_SECRET", "TWILIO_AUTH_TOKEN",
                         "CARELINE_CONVERSATION_SECRET", "CARELINE_WEBCHAT_SECRET",
                         "CARELINE_DESK_API_TOKEN", "CARELINE_INCIDENT_API_TOKEN"):
            assert environment[variable] == env[variable], (name, variable)
        assert env["POSTGRES_PASSWORD"] in environment["CARELINE_DATABASE_URL"]
        assert "TWILIO_API_BASE_URL" not in environment  # production talks to Twilio itself


def test_migrations_run_once_before_every_careline_service(resolved: dict[str, Any]) -> None:
    services = careline_services(resolved)
    assert services["migrate"]["command"] == ["careline", "db", "upgrade"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name, service in services.items():
        if name != "migrate":
            condition = service["depends_on"]["migrate"]["condition"]
            assert condition == "service_completed_successfully", name


def test_rasa_and_action_servers_are_replicated(resolved: dict[str, Any]) -> None:
    for name in ("rasa", "actions"):
        assert resolved["services"][name]["deploy"]["replicas"] >= 2


def test_third_party_images_are_pinned_to_exact_versions(resolved: dict[str, Any]) -> None:
    ours = set(careline_services(resolved))
    for name, service in resolved["services"].items():
        if name not in ours:
            assert re.search(r":\d+(\.\d+){1,2}(-\w+)?$", service["image"]), service["image"]


def _parse_careline(command: list[str]) -> argparse.Namespace:
    try:
        return build_parser().parse_args(command[1:])
    except SystemExit:
        raise AssertionError(f"`{' '.join(command)}` is not a careline command") from None


def test_every_command_exists_in_the_image(resolved: dict[str, Any]) -> None:
    """`careline …` commands parse with the real CLI; `python -m …` modules exist."""
    for name, service in careline_services(resolved).items():
        command = service["command"]
        if command[0] == "careline":
            assert getattr(_parse_careline(command), "handler", None), name
        else:
            assert command[:2] == ["python", "-m"], name
            assert importlib.util.find_spec(command[2]), command[2]


def _port_of(command: list[str]) -> int:
    return int(command[command.index("--port") + 1])


def test_health_checks_ask_the_port_each_service_listens_on(resolved: dict[str, Any]) -> None:
    for name, service in careline_services(resolved).items():
        if name == "migrate":
            continue
        url = urlparse(service["healthcheck"]["test"][-1])
        assert url.port == _port_of(service["command"]), name


# nginx: the Compose configuration against careline/deploy/nginx.py's routes.

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
    desk_port, incidents_port = (_port_of(services[name]["command"])
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
                    "/": "proxy_pass http://desk"}


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
                "actions": "actions", "desk": "desk", "incidents": "incidents"}
    assert set(upstreams) == set(expected)
    for upstream, service in expected.items():
        assert upstreams[upstream] == [f"{service}:{_port_of(services[service]['command'])}"]
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


def test_every_service_port_is_one_the_image_exposes(resolved: dict[str, Any]) -> None:
    exposed = {int(port) for line in (PROJECT_ROOT / "Dockerfile").read_text().splitlines()
               if line.startswith("EXPOSE ") for port in line.split()[1:]}
    for name, service in careline_services(resolved).items():
        if name != "migrate":
            assert _port_of(service["command"]) in exposed, name


def test_the_file_follows_the_compose_specification() -> None:
    """Held to the current Compose Specification's schema too (deploy/schemas/README.md):
    docker-compose 1.29.2 knows an older one, Docker Compose v2 implements this one."""
    import json

    import jsonschema

    schema = json.loads((PROJECT_ROOT / "deploy" / "schemas" / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    assert [error.message for error in validator.iter_errors(raw)] == []
    misspelt = {**raw, "services": {**raw["services"], "nginx": {
        **raw["services"]["nginx"], "restart_policy": "always"}}}
    assert list(validator.iter_errors(misspelt)), "the schema refuses an unknown key"


def test_careline_containers_have_a_read_only_root(resolved: dict[str, Any]) -> None:
    for name, service in careline_services(resolved).items():
        assert service.get("read_only") is True, name
        assert {"/tmp", "/var/lib/careline"} <= set(service.get("tmpfs", [])), name


def _settings_from(environment: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as a container with ``environment`` (and the image's ENV) builds them."""
    for name in list(os.environ):
        if name.startswith(("CARELINE_", "TWILIO_")):
            monkeypatch.delenv(name)
    for name, value in environment.items():
        if value is not None:
            monkeypatch.setenv(name, str(value))
    return Settings()


def test_each_service_gets_what_the_production_profile_demands(
        resolved: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment Compose gives each Careline container passes the production
    profile's checks (every secret, sender, database URL, an https public URL)."""
    for name, service in careline_services(resolved).items():
        settings = _settings_from(service["environment"], monkeypatch)
        assert settings.profile is Profile.PRODUCTION, name
        assert settings.public_url == resolved["_env"]["CARELINE_PUBLIC_URL"]
        assert settings.resolved_twilio_api_base_url is None, name  # Twilio's own API
        assert settings.bind_host == "0.0.0.0" and settings.log_format == "json"
    environment = dict(careline_services(resolved)["rasa"]["environment"])
    environment.pop("TWILIO_SMS_FROM")  # no number, no Messaging Service: refused, by name
    with pytest.raises(ValueError, match="TWILIO_SMS_FROM"):
        _settings_from(environment, monkeypatch)


def test_an_env_file_with_only_the_required_values_runs(
        docker_compose: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """.env.example copied, the required values and the senders filled in, every other
    line left empty as it is there: Compose's defaults apply and every service's settings
    are valid, the operator's calendar included."""
    from zoneinfo import ZoneInfo

    required = {name for name, (operator, _) in compose_variables().items() if operator == ":?"}
    values = {name: value if name in required else ""
              for name, value in operator_values(tmp_path).items()}
    values.update({"TWILIO_SMS_FROM": "+447400123456", "TWILIO_WHATSAPP_FROM": "+447400123457"})
    result = compose_config(docker_compose, values, tmp_path)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert {port.split(":")[0] for port in config["services"]["nginx"]["ports"]} == {"127.0.0.1"}
    ours = {name: service for name, service in config["services"].items()
            if service.get("image") == "careline:0.1.0"}  # the default image
    assert {"rasa", "actions", "gateway", "desk", "migrate"} <= set(ours)
    for name, service in ours.items():
        settings = _settings_from(service["environment"], monkeypatch)
        assert ZoneInfo(settings.operator_timezone), name
