"""compose.yaml: valid for docker-compose, and the properties an operator relies on.

The tests read the file as docker-compose resolves it (tests/deploy/compose_file.py);
its nginx configuration is tested in test_compose_nginx.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from careline.cli.main import build_parser
from careline.settings import PROJECT_ROOT, Profile, Settings
from tests.deploy.compose_file import (COMPOSE_FILE, ENV_EXAMPLE, careline_services,
                                       compose_config, compose_variables, example_variables,
                                       nginx_ports, operator_values, port_of, resolved)

__all__ = ["resolved"]  # the module-scoped fixture, shared with test_compose_nginx.py

#: Variables with a default: where and what to run, never a secret.
DEFAULTED = {"CARELINE_IMAGE", "CARELINE_EDGE_HOST", "CARELINE_EDGE_PORT",
             "CARELINE_DESK_EDGE_PORT", "CARELINE_TIMEZONE"}
LONG_RUNNING_RESTARTS = {"always", "unless-stopped", "on-failure"}


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


def test_rasa_action_servers_and_gateways_are_replicated(resolved: dict[str, Any]) -> None:
    for name in ("rasa", "actions", "gateway"):
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


def test_health_checks_ask_the_port_each_service_listens_on(resolved: dict[str, Any]) -> None:
    for name, service in careline_services(resolved).items():
        if name == "migrate":
            continue
        url = urlparse(service["healthcheck"]["test"][-1])
        assert url.port == port_of(service["command"]), name


def test_every_service_port_is_one_the_image_exposes(resolved: dict[str, Any]) -> None:
    exposed = {int(port) for line in (PROJECT_ROOT / "Dockerfile").read_text().splitlines()
               if line.startswith("EXPOSE ") for port in line.split()[1:]}
    for name, service in careline_services(resolved).items():
        if name != "migrate":
            assert port_of(service["command"]) in exposed, name


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


def test_the_insight_consumer_reads_the_queue_rasa_publishes_to(resolved: dict[str, Any]) -> None:
    """As `careline up` wires them (careline/deploy/stack.py): otherwise the queue grows
    without bound and /insight stays empty."""
    services = careline_services(resolved)
    published = services["rasa"]["environment"]["CARELINE_EVENT_QUEUE"]
    assert published
    assert services["insight"]["environment"]["CARELINE_INSIGHT_EVENT_QUEUE"] == published
