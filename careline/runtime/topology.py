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
from typing import Callable, Optional

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
        """``rasa``, ``rasa-1``: behind nginx the replicas are numbered, while a lone edge
        is ``gateway`` and the insight consumer ``insight``."""
        numbered = kind in ("rasa", "actions") or count > 1
        return f"{kind}-{index}" if self.balanced and numbered else kind


def processes(topology: Topology) -> list[ServiceSpec]:
    """Action servers, Rasa replicas, the insight consumer, then the Twilio edges (each
    relays to Rasa, so it starts last)."""
    bind = topology.bind_host
    # the action servers' shared secret comes from CARELINE_ACTION_SECRET and Rasa's API
    # token from CARELINE_RASA_TOKEN, out of `ps` (action_server.py, rasa_server.py)
    specs = _each(topology, "actions", topology.action_ports, "/health", lambda port: (
        "-m", "careline.runtime.action_server", "--port", port, "--host", bind))
    specs += _each(topology, "rasa", topology.rasa_ports, "/", lambda port: (
        "-m", "careline.runtime.rasa_server", "run", "--model", str(topology.model),
        "--enable-api", "--interface", bind, "--port", port, "--endpoints", "endpoints.yml",
        "--credentials", "credentials.yml", *topology.rasa_options))
    if topology.insight_port is not None:
        specs += _each(topology, "insight", (topology.insight_port,), "/health", lambda port: (
            "-m", "careline.cli.main", "insight", "consume", "--port", port, "--host", bind))
    specs += _each(topology, "gateway", topology.edge_ports, "/health", lambda port: (
        "-m", "careline.channels.twilio_gateway", "--port", port, "--host", bind))
    return specs


def _each(topology: Topology, kind: str, ports: tuple[int, ...], health_path: str,
          arguments: Callable[[str], tuple[str, ...]]) -> list[ServiceSpec]:
    """One process of ``kind`` on each port: Python with ``arguments(port)``."""
    return [ServiceSpec(name=topology.name_of(kind, i, len(ports)),
                        argv=(sys.executable, *arguments(str(port))),
                        health_url=f"http://{topology.host}:{port}{health_path}")
            for i, port in enumerate(ports)]
