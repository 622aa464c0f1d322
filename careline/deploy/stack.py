"""`careline up`: N Rasa servers and N action servers behind nginx, on shared stores.

Rasa's scaling model is stateless servers over a shared tracker store (PostgreSQL),
lock store (Redis) and event broker (RabbitMQ). This module turns a
:class:`StackPlan` into the environment and :class:`ServiceSpec` list the lead's
:class:`~careline.runtime.supervisor.Supervisor` runs; tests and the load bench
use it with their own ports and servers.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from careline.deploy.nginx import Edge, NginxLayout, write
from careline.runtime.action_secret import SECRET_VARIABLE
from careline.runtime.services import SANIC_KEEP_ALIVE_SECONDS, ServiceSpec
from careline.runtime.topology import Topology, processes
from careline.settings import reachable_host

NGINX = "/usr/sbin/nginx"

LOCAL_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/careline"
LOCAL_TRACKER_STORE_URL = "postgresql://postgres@127.0.0.1:5432/careline_tracker"
LOCAL_LOCK_STORE_URL = "redis://127.0.0.1:6379/0"
LOCAL_EVENT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass(frozen=True)
class StackPlan:
    """Everything that differs between `careline up`, a fault test and the bench."""

    replicas: int
    #: nginx's public port: Twilio's webhooks and the web chat only (careline/deploy/nginx.py).
    port: int
    #: nginx's internal port for Rasa's HTTP API, the REST channel and relayed turns.
    api_port: int
    actions_port: int
    rasa_base_port: int
    action_base_port: int
    #: The first Twilio gateway's port (webhooks and status callbacks,
    #: careline/channels/twilio_gateway.py); ``gateways`` of them on consecutive ports.
    gateway_port: int
    data_dir: Path
    model: Path
    token: str
    database_url: str = LOCAL_DATABASE_URL
    tracker_store_url: str = LOCAL_TRACKER_STORE_URL
    lock_store_url: Optional[str] = LOCAL_LOCK_STORE_URL
    event_broker_url: Optional[str] = LOCAL_EVENT_BROKER_URL
    lock_key_prefix: str = "careline"
    lock_lifetime_seconds: float = 60.0
    action_timeout_seconds: float = 20.0
    event_queue: str = "careline_events"
    #: Health port of the insight consumer, which drains ``event_queue`` into the analytics
    #: store (careline/insight/consumer_service.py); None starts no consumer (a test that
    #: reads the queue itself). Needs ``event_broker_url``.
    insight_port: Optional[int] = None
    #: Twilio gateways behind nginx: with two, one killed costs Twilio no refusal.
    gateways: int = 1
    #: Where every process but nginx's public port listens (CARELINE_BIND_HOST).
    bind_host: str = "127.0.0.1"
    #: nginx's public side: address, TLS, the desk on the edge (careline/deploy/nginx.py).
    edge: Edge = Edge()
    #: What Rasa sends the action servers (CARELINE_ACTION_SECRET); a fresh random one
    #: unless the caller passes the operator's: the plan sets both sides.
    action_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)

    @property
    def rasa_ports(self) -> tuple[int, ...]:
        return tuple(self.rasa_base_port + i for i in range(self.replicas))

    @property
    def action_ports(self) -> tuple[int, ...]:
        return tuple(self.action_base_port + i for i in range(self.replicas))

    @property
    def gateway_ports(self) -> tuple[int, ...]:
        return tuple(self.gateway_port + i for i in range(self.gateways))

    @property
    def url(self) -> str:
        """The public edge."""
        return self.edge.url(self.port)

    @property
    def internal_host(self) -> str:
        return reachable_host(self.bind_host)

    @property
    def api_url(self) -> str:
        """Rasa's HTTP API behind nginx, for Careline's own services and operators."""
        return f"http://{self.internal_host}:{self.api_port}"

    @property
    def topology(self) -> Topology:
        """The processes behind nginx: the same as ``careline run``'s, more of them."""
        return Topology(model=self.model, rasa_ports=self.rasa_ports,
                        action_ports=self.action_ports, edge_ports=self.gateway_ports,
                        bind_host=self.bind_host, balanced=True,
                        insight_port=self.insight_port if self.event_broker_url else None)


#: One TensorFlow thread per replica. Careline's TensorFlow model is small (a 6-layer
#: MiniLM on a short message), so splitting an operation across cores gains little, while
#: every replica's pools otherwise size themselves to every core and spin against each
#: other. Measured on 2 cores, one replica without think time: 17.6 instead of 15.7 msg/s,
#: 52 instead of 65 ms of CPU per message (docs/production.md).
SINGLE_THREADED_TENSORFLOW = {"TF_INTRA_OP_PARALLELISM_THREADS": "1",
                              "TF_INTER_OP_PARALLELISM_THREADS": "1"}


def environment(plan: StackPlan, base: dict[str, str]) -> dict[str, str]:
    """The children's environment: ``base`` plus the stores chosen by the plan."""
    env = dict(base)
    env.update({
        "CARELINE_PROFILE": env.get("CARELINE_PROFILE", "local"),
        "CARELINE_DATA_DIR": str(plan.data_dir),
        "CARELINE_DATABASE_URL": plan.database_url,
        "CARELINE_TRACKER_STORE_URL": plan.tracker_store_url,
        "CARELINE_ACTION_ENDPOINT": f"http://{plan.internal_host}:{plan.actions_port}/webhook",
        SECRET_VARIABLE: plan.action_secret,
        "CARELINE_BIND_HOST": plan.bind_host,
        "CARELINE_ACTION_TIMEOUT_SECONDS": str(plan.action_timeout_seconds),
        "CARELINE_LOCK_LIFETIME_SECONDS": str(plan.lock_lifetime_seconds),
        "CARELINE_EVENT_QUEUE": plan.event_queue,
        # insight consumes the queue Rasa publishes to, so nothing piles up there
        "CARELINE_INSIGHT_EVENT_QUEUE": plan.event_queue,
        "CARELINE_LOCK_KEY_PREFIX": plan.lock_key_prefix,
        "CARELINE_RASA_TOKEN": plan.token,
        # the gateway relays turns, and the desk and proactive delivery call Rasa, here
        "CARELINE_RASA_URL": plan.api_url,
        # and Rasa hands the gateways its messages outside a turn here (nginx.py)
        "CARELINE_EDGE_URL": plan.api_url,
        # Twilio signs the public URL: nginx's, unless ``base`` names the real one.
        "CARELINE_PUBLIC_URL": env.get("CARELINE_PUBLIC_URL", plan.url),
        "PYTHONUNBUFFERED": "1",
        "SANIC_KEEP_ALIVE_TIMEOUT": str(SANIC_KEEP_ALIVE_SECONDS),
    })
    for name, value in SINGLE_THREADED_TENSORFLOW.items():
        env.setdefault(name, value)  # an operator's own setting wins
    # one JSON object a log line, for a log shipper (careline/observability/logs.py)
    env.setdefault("CARELINE_LOG_FORMAT", "json")
    chosen: tuple[tuple[str, Optional[str]], ...] = (
        ("CARELINE_LOCK_STORE_URL", plan.lock_store_url),
        ("CARELINE_EVENT_BROKER_URL", plan.event_broker_url),
        # web chat emits fan out to every replica through the lock's Redis
        ("CARELINE_WEBCHAT_MANAGER_URL", plan.lock_store_url))
    for name, url in chosen:
        if url:
            env[name] = url
        else:
            env.pop(name, None)
    return env


def services(plan: StackPlan) -> list[ServiceSpec]:
    """The stack's processes (careline/runtime/topology.py), then nginx (healthy once it
    answers itself)."""
    specs = processes(plan.topology)
    layout = NginxLayout(
        listen_port=plan.port, api_port=plan.api_port, actions_port=plan.actions_port,
        rasa_ports=plan.rasa_ports, action_ports=plan.action_ports,
        gateway_port=plan.gateway_port, prefix=plan.data_dir / "nginx",
        action_timeout_seconds=plan.action_timeout_seconds, bind_host=plan.bind_host,
        edge=plan.edge, gateway_count=plan.gateways,
    )
    config = write(layout)
    specs.append(ServiceSpec(
        name="nginx",
        argv=(nginx_binary(), "-p", str(layout.prefix), "-c", str(config)),
        # the internal port's: plain HTTP, whatever certificate the public port has
        health_url=f"{plan.api_url}/nginx-health",
        urls=(f"Twilio webhooks (to the gateway): POST {plan.url}/webhooks/sms/webhook, "
              f"{plan.url}/webhooks/whatsapp/webhook",
              f"Web chat: {plan.url}/webhooks/webchat/chat",
              *plan.edge.urls(plan.api_url),
              f"Internal, not public: REST webhook POST {plan.api_url}/webhooks/rest/webhook, "
              f"Rasa HTTP API (token) {plan.api_url}/status"),
    ))
    return specs


def nginx_binary() -> str:
    found = shutil.which("nginx") or (NGINX if Path(NGINX).exists() else None)
    if not found:
        raise RuntimeError("nginx is missing: run scripts/system-packages.sh (make install)")
    return found


def ensure_postgres_database(url: str) -> None:
    """Create the database ``url`` names if it does not exist (PostgreSQL only)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database},
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def delete_queue(url: str, name: str) -> None:
    """Delete the RabbitMQ queue ``name`` (gone already is fine): a stack started for a test
    or the bench leaves events that nothing consumes."""
    import asyncio

    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(url)
        async with connection:
            await (await connection.channel()).queue_delete(name)

    asyncio.run(delete())
