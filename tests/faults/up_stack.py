"""`careline up --replicas 2` as an operator runs it, under the production profile.

The real command in a child process (its supervisor, its restarts, its output), on free
ports, on the machine's PostgreSQL (two throwaway databases), Redis (a key prefix of its
own) and RabbitMQ (queues of its own). The only departure from a deployment is Twilio:
``CARELINE_ALLOW_TWILIO_STANDIN=true`` lets the production profile send to the local
stand-in, which this module starts beside the stack.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import aio_pika
from sqlalchemy import create_engine, text

from careline.deploy.stack import LOCAL_EVENT_BROKER_URL
from careline.runtime.model_cache import ensure_model
from careline.settings import PROJECT_ROOT, Settings

from .servers import free_port

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
PORT_NAMES = ("public", "api", "actions", "gateway", "insight", "desk", "edge_desk", "worker",
              "incidents", "standin", "rasa")


@dataclass
class UpStack:
    process: subprocess.Popen
    output: Path
    data_dir: Path
    ports: dict[str, int]
    rasa_ports: tuple[int, int]
    action_ports: tuple[int, int]
    env: dict[str, str]
    twilio: Settings  # what a phone needs to text the stack (phone_simulator.Phone)

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['public']}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    @property
    def rest_token(self) -> str:
        return self.env["CARELINE_REST_TOKEN"]

    @property
    def event_queue(self) -> str:
        return self.env["CARELINE_EVENT_QUEUE"]

    def port_of(self, name: str) -> int:
        """The port a supervised child was started with (``rasa-1``, ``actions-0``,
        ``handoff-worker``, ``incidents``, …)."""
        if name == "handoff-worker":
            return self.ports["worker"]
        kind, _, index = name.partition("-")
        if kind == "rasa":
            return self.rasa_ports[int(index)]
        if kind == "actions":
            return self.action_ports[int(index)]
        if kind == "gateway":
            return self.ports[kind] + int(index or 0)
        return self.ports[kind]

    def health_url(self, name: str) -> str:
        path = "/" if name.startswith("rasa") else "/health"
        return f"http://127.0.0.1:{self.port_of(name)}{path}"

    def child_pid(self, name: str) -> int:
        """The pid of the supervisor's child listening on ``name``'s port."""
        wanted = ["--port", str(self.port_of(name))]
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                argv = (entry / "cmdline").read_bytes().decode().split("\0")
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            if ppid == self.process.pid and any(argv[i:i + 2] == wanted
                                                for i in range(len(argv))):
                return int(entry.name)
        raise LookupError(f"no child of careline up listens on {name}'s port")

    def kill(self, name: str) -> int:
        """SIGKILL a child's whole process group (a crash, not a shutdown); its pid."""
        pid = self.child_pid(name)
        os.killpg(pid, signal.SIGKILL)
        return pid

    def said(self) -> str:
        """What `careline up` printed so far (the supervisor's restart lines among it)."""
        return self.output.read_text(errors="replace")

    def log(self, name: str) -> str:
        return (self.data_dir / "up" / "logs" / f"{name}.log").read_text(errors="replace")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


def wait_until(check: Callable[[], Any], what: str, *, within: float,
               stack: Optional[UpStack] = None) -> Any:
    """Poll ``check`` until it is truthy; fail with ``what`` (and the stack's output)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        if stack is not None and stack.process.poll() is not None:
            break
        time.sleep(0.5)
    said = stack.said()[-4000:] if stack is not None else ""
    raise AssertionError(f"{what} not within {within:.0f}s\n{said}")


def start_standin(port: int, log: Path, stack_env: dict[str, str]) -> subprocess.Popen:
    """The stand-in for Twilio's API, taking the stack's account (a local process)."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("CARELINE_", "TWILIO_"))}
    env.update({name: stack_env[name] for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")})
    standin = subprocess.Popen(
        [sys.executable, "-m", "careline.twilio_standin", "--port", str(port),
         "--host", "127.0.0.1"], cwd=PROJECT_ROOT, env=env, stdout=log.open("ab"),
        stderr=subprocess.STDOUT, start_new_session=True)
    wait_until(lambda: answers(f"http://127.0.0.1:{port}/health"), "the Twilio stand-in",
               within=60)
    return standin


def production_environment(data_dir: Path, ports: dict[str, int], tag: str) -> dict[str, str]:
    """Everything the production profile asks for: real-looking secrets, the stores."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("CARELINE_", "TWILIO_"))}

    def secret() -> str:
        return secrets.token_urlsafe(24)

    env.update({
        "CARELINE_PROFILE": "production",
        "CARELINE_ALLOW_TWILIO_STANDIN": "true",
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{ports['standin']}",
        "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_SMS_FROM": "+447700900500", "TWILIO_WHATSAPP_FROM": "+447700900501",
        "CARELINE_PUBLIC_URL": f"http://127.0.0.1:{ports['public']}",
        "CARELINE_DATA_DIR": str(data_dir),
        "CARELINE_DATABASE_URL": f"{POSTGRES}/{tag}",
        "CARELINE_TRACKER_STORE_URL": f"{POSTGRES}/{tag}_tracker",
        "CARELINE_LOCK_STORE_URL": "redis://127.0.0.1:6379/0",
        "CARELINE_LOCK_KEY_PREFIX": tag,
        # a killed replica's conversation locks free up within the test
        "CARELINE_LOCK_LIFETIME_SECONDS": "6", "CARELINE_ACTION_TIMEOUT_SECONDS": "5",
        # and its journalled messages (web chat, SMS, WhatsApp) are taken over 10 s on
        "CARELINE_REDRIVE_AFTER_SECONDS": "10",
        "CARELINE_EVENT_BROKER_URL": LOCAL_EVENT_BROKER_URL,
        "CARELINE_EVENT_QUEUE": f"{tag}_events", "CARELINE_DESK_EVENT_QUEUE": f"{tag}_desk",
        "CARELINE_RASA_PORT": str(ports["rasa"]), "CARELINE_DESK_PORT": str(ports["desk"]),
        "CARELINE_HANDOFF_WORKER_PORT": str(ports["worker"]),
        "CARELINE_INCIDENT_API_PORT": str(ports["incidents"]),
        "CARELINE_TWILIO_STANDIN_PORT": str(ports["standin"]),
        **{name: secret() for name in (
            "CARELINE_RASA_TOKEN", "CARELINE_ACTION_SECRET", "CARELINE_CONVERSATION_SECRET",
            "CARELINE_WEBCHAT_SECRET", "CARELINE_DESK_API_TOKEN", "CARELINE_INCIDENT_API_TOKEN",
            "CARELINE_REST_TOKEN")},
    })
    return env


def run_up(base: Path) -> Iterator[UpStack]:
    """Start `careline up --replicas 2`, yield it once it says it is up, stop it after."""
    ensure_model()  # built here, as on a build host: the production profile never trains
    tag = f"careline_up_{uuid.uuid4().hex[:8]}"
    ports = {name: free_port() for name in PORT_NAMES}
    ports["gateway"] = free_port(2)  # two gateways, on consecutive ports
    rasa_base, action_base = free_port(2), free_port(2)
    data_dir = base / "data"
    env = production_environment(data_dir, ports, tag)
    output = base / "careline-up.out"
    standin = start_standin(ports["standin"], base / "standin.log", env)
    process = subprocess.Popen(
        [sys.executable, "-m", "careline.cli.main", "up", "--replicas", "2",
         "--port", str(ports["public"]), "--api-port", str(ports["api"]),
         "--actions-port", str(ports["actions"]), "--gateway-port", str(ports["gateway"]),
         "--gateways", "2",
         "--insight-port", str(ports["insight"]), "--rasa-base-port", str(rasa_base),
         "--action-base-port", str(action_base), "--desk-port", str(ports["edge_desk"]),
         "--timeout", "900"],
        cwd=PROJECT_ROOT, env=env, stdout=output.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True)
    twilio = Settings(rasa_url=f"http://127.0.0.1:{ports['public']}",
                      public_url=f"http://127.0.0.1:{ports['public']}",
                      twilio_standin_port=ports["standin"],
                      twilio_api_base_url=env["TWILIO_API_BASE_URL"],
                      twilio_account_sid=env["TWILIO_ACCOUNT_SID"],
                      twilio_auth_token=env["TWILIO_AUTH_TOKEN"],
                      twilio_sms_from=env["TWILIO_SMS_FROM"],
                      twilio_whatsapp_from=env["TWILIO_WHATSAPP_FROM"])
    stack = UpStack(process, output, data_dir, ports, (rasa_base, rasa_base + 1),
                    (action_base, action_base + 1), env, twilio)
    try:
        wait_until(lambda: "is up with 2 replica(s)" in stack.said(), "careline up",
                   within=1200, stack=stack)
        yield stack
    finally:
        _stop(process)
        _stop(standin)
        asyncio.run(_delete_queues(env["CARELINE_EVENT_QUEUE"],
                                   env["CARELINE_DESK_EVENT_QUEUE"]))
        _drop_databases(tag, f"{tag}_tracker")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM, as systemd or Ctrl-C would; SIGKILL the group if it will not go."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


async def _delete_queues(*names: str) -> None:
    connection = await aio_pika.connect(LOCAL_EVENT_BROKER_URL)
    async with connection:
        channel = await connection.channel()
        for name in names:
            await channel.queue_delete(name)


def _drop_databases(*names: str) -> None:
    admin = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
