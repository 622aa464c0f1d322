"""compose.yaml as docker-compose resolves it, for the tests of the file and of its nginx.

docker-compose 1.29.2's ``config`` (no engine needed) validates the file against the
Compose schema and resolves it with every required variable set, as an operator's .env
sets them; the tests read the resolved file.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from careline.settings import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "compose.yaml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
#: ${NAME}, ${NAME:-default}, ${NAME:?error} …
INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


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


def nginx_ports(config: dict[str, Any]) -> list[tuple[str, int, int]]:
    """nginx's published ports as (host address, host port, container port)."""
    ports = []
    for port in config["services"]["nginx"]["ports"]:  # "127.0.0.1:443:8443/tcp"
        host_ip, published, target = port.split("/")[0].rsplit(":", 2)
        ports.append((host_ip, int(published), int(target)))
    return ports


def port_of(command: list[str]) -> int:
    return int(command[command.index("--port") + 1])
