"""The processes of a Careline stack, the same function for ``careline run`` and ``careline up``.

Both stacks run the same programs; what differs is how many and where they meet:

* ``careline run`` (:meth:`Topology.single`): one Rasa and one action server on embedded
  stores (SQLite files, an in-process lock), and one Twilio edge on ``CARELINE_EDGE_PORT``
  relaying to that Rasa.
* ``careline up`` (careline/deploy/stack.py): N Rasa replicas and N action servers on
  shared stores (PostgreSQL, Redis, RabbitMQ, and the insight consumer draining the
  events), and M edges, all behind nginx, which balances the edges' relayed turns over
  the replicas.

Either way a Twilio webhook takes one path (the README's picture): Twilio → edge
(careline/channels/twilio_gateway.py) → Rasa's ``/turn`` (relayed_turns.py) → the
action server → back to the edge, which sends the replies. Which Rasa an edge relays
to and which edge Rasa hands messages outside a turn to come from the environment
(``CARELINE_RASA_URL``, ``CARELINE_EDGE_URL``): the one other process, or nginx.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from careline.settings import Settings, reachable_host


@dataclass(frozen=True)
class ServiceSpec:
    """One process: its name (its log's), command line and health endpoint to wait for."""

    name: str
    argv: tuple[str, ...]
    health_url: str
    urls: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Topology:
    """How many of each process, on which ports, and where they listen."""

    model: Path
    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]
    edge_ports: tuple[int, ...]
    bind_host: str = "127.0.0.1"
    #: Shared stores only: the insight consumer's health port (None: no consumer).
    insight_port: Optional[int] = None
    #: Behind nginx the replicas are numbered (``rasa-0``, ``actions-1``); alone, not.
    balanced: bool = False
    #: Arguments Rasa gets besides the model, ports and endpoints (``--cors``).
    rasa_options: tuple[str, ...] = ()

    @classmethod
    def single(cls, settings: Settings, model: Path) -> Topology:
        """``careline run``: one of each, on the settings' ports."""
        return cls(model=model, rasa_ports=(settings.rasa_port,),
                   action_ports=(settings.actions_port,), edge_ports=(settings.edge_port,),
                   bind_host=settings.bind_host, rasa_options=("--cors", "*"))

    @property
    def host(self) -> str:
        return reachable_host(self.bind_host)

    def name_of(self, kind: str, index: int, count: int) -> str:
        """``rasa``, ``rasa-1``; a lone edge is ``gateway`` even behind nginx."""
        return f"{kind}-{index}" if self.balanced and (kind != "gateway" or count > 1) else kind


def processes(topology: Topology) -> list[ServiceSpec]:
    """Action servers, Rasa replicas, the insight consumer, then the Twilio edges (each
    relays to Rasa, so it starts last)."""
    python, host = sys.executable, topology.host
    specs = [
        ServiceSpec(
            name=topology.name_of("actions", i, len(topology.action_ports)),
            # the shared secret comes from CARELINE_ACTION_SECRET, out of `ps`
            argv=(python, "-m", "careline.runtime.action_server", "--port", str(port),
                  "--host", topology.bind_host),
            health_url=f"http://{host}:{port}/health",
        )
        for i, port in enumerate(topology.action_ports)
    ]
    specs += [
        ServiceSpec(
            name=topology.name_of("rasa", i, len(topology.rasa_ports)),
            # the API token comes from CARELINE_RASA_TOKEN, out of `ps` (rasa_server.py)
            argv=(python, "-m", "careline.runtime.rasa_server", "run", "--model",
                  str(topology.model), "--enable-api", "--interface", topology.bind_host,
                  "--port", str(port), "--endpoints", "endpoints.yml",
                  "--credentials", "credentials.yml", *topology.rasa_options),
            health_url=f"http://{host}:{port}/",
        )
        for i, port in enumerate(topology.rasa_ports)
    ]
    if topology.insight_port is not None:
        specs.append(ServiceSpec(
            name="insight",
            argv=(python, "-m", "careline.cli.main", "insight", "consume",
                  "--port", str(topology.insight_port), "--host", topology.bind_host),
            health_url=f"http://{host}:{topology.insight_port}/health",
        ))
    specs += [
        ServiceSpec(
            name=topology.name_of("gateway", i, len(topology.edge_ports)),
            argv=(python, "-m", "careline.channels.twilio_gateway", "--port", str(port),
                  "--host", topology.bind_host),
            health_url=f"http://{host}:{port}/health",
        )
        for i, port in enumerate(topology.edge_ports)
    ]
    return specs
