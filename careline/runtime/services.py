"""The processes ``make run`` starts, each with a health endpoint to wait for.

Rasa, the action server and the Twilio edge are those of every stack
(careline/runtime/topology.py); a feature that adds a long-running single-instance
service adds its :class:`ServiceSpec` in :func:`single_instance_services`, which
``careline up`` starts too.

What binds where: every process listens on ``CARELINE_BIND_HOST`` (loopback unless the
operator names an interface) and nothing listens on every interface, which is Rasa's and
rasa_sdk's own default. Each is told so on its command line (``--interface`` for Rasa,
``--host`` for the rest) or, for the desk, the handoff worker and the incidents API, by
the same setting in its environment. Under ``make run`` there are two public doors:
Twilio's webhooks go to the Twilio edge on ``CARELINE_EDGE_PORT``, which
``CARELINE_PUBLIC_URL`` names (a tunnel forwards it there, docs/channels.md), and the
web chat to Rasa's port, whose HTTP API needs the API token. Under ``careline up``
nginx is the one public door instead and everything behind it stays internal
(careline/deploy/nginx.py). The action
server refuses every caller without the shared secret (careline/runtime/action_secret.py).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

from careline.runtime.action_secret import SECRET_VARIABLE, action_secret
from careline.runtime.topology import ServiceSpec, Topology, processes
from careline.settings import PROJECT_ROOT, Profile, Settings

#: Idle keep-alive of the action servers (rasa_sdk's Sanic reads ``SANIC_*`` from the
#: environment; Rasa sets its own 120 s). Sanic's default, 5 s, also closes a *fresh*
#: connection that sends nothing for 5 s: under load Rasa's starved event loop connects,
#: writes its action call late, and fails with "Cannot write to closing transport", losing
#: the action's events. 75 s also outlasts nginx's idle upstream pool (60 s).
SANIC_KEEP_ALIVE_SECONDS = 75


def rasa_environment(settings: Settings, token: str) -> dict[str, str]:
    """The environment every child sees: its settings (the action server and its secret
    that Rasa calls, the stores' files, Twilio) come from it."""
    env = dict(os.environ)
    env.pop("TWILIO_API_BASE_URL", None)  # twilio_environment says where Twilio is
    env.update({
        "CARELINE_ACTION_ENDPOINT": settings.resolved_action_endpoint,
        SECRET_VARIABLE: action_secret(settings),
        "CARELINE_BIND_HOST": settings.bind_host,
        "CARELINE_RASA_TOKEN": token,
        "CARELINE_DATA_DIR": str(settings.data_dir),
        "CARELINE_DATABASE_URL": settings.resolved_database_url,
        "CARELINE_TRACKER_DB": str(settings.data_dir / "tracker.db"),
        "CARELINE_EVENTS_DB": str(settings.data_dir / "events.db"),
        "PYTHONUNBUFFERED": "1",
        "SANIC_KEEP_ALIVE_TIMEOUT": str(SANIC_KEEP_ALIVE_SECONDS),
        "CARELINE_PUBLIC_URL": settings.public_url,
        "CARELINE_RASA_URL": settings.rasa_url,
        "CARELINE_EDGE_URL": settings.edge_url,
        "CARELINE_EDGE_PORT": str(settings.edge_port),
        "CARELINE_RASA_PORT": str(settings.rasa_port),
        "CARELINE_ACTIONS_PORT": str(settings.actions_port),
        "CARELINE_DESK_PORT": str(settings.desk_port),
        **twilio_environment(settings),
    })
    # Rasa's usage reports and Sentry crash reports (on by default in ~/.config/rasa) leave
    # the operator's network with details of the running bot: off unless the operator
    # asks for them.
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    return env


def twilio_environment(settings: Settings) -> dict[str, str]:
    """Twilio's account for a child, and where its twilio client sends: locally the
    stand-in, never Twilio's cloud; under the production profile Twilio's own API (no
    ``TWILIO_API_BASE_URL``) unless a test allowed the stand-in."""
    env = {
        "CARELINE_TWILIO_STANDIN_PORT": str(settings.twilio_standin_port),
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token.get_secret_value(),
    }
    base_url = settings.resolved_twilio_api_base_url
    if base_url:
        env["TWILIO_API_BASE_URL"] = base_url
    return env


def standin_service(settings: Settings) -> ServiceSpec:
    """The Twilio stand-in on the settings' port."""
    port, host = settings.twilio_standin_port, settings.internal_host
    return ServiceSpec(
        name="twilio-standin",
        argv=(sys.executable, "-m", "careline.twilio_standin", "--port", str(port),
              "--host", settings.bind_host),
        health_url=f"http://{host}:{port}/health",
        urls=(f"Twilio stand-in, messages sent: http://{host}:{port}/_standin/messages",
              "Try SMS: .venv/bin/careline sms --from +447700900123 hello"),
    )


def local_services(settings: Settings, model: Path) -> list[ServiceSpec]:
    """Every process of ``make run``: the single-instance services, then the stack's own
    (careline/runtime/topology.py), one of each."""
    host, rasa_port = settings.internal_host, settings.rasa_port
    banner = {
        "rasa": (f"REST webhook: POST http://{host}:{rasa_port}/webhooks/rest/webhook",
                 f"Web chat: http://{host}:{rasa_port}/webhooks/webchat/chat",
                 "Terminal chat: .venv/bin/careline chat"),
        "gateway": (f"Twilio webhooks (the edge, CARELINE_PUBLIC_URL {settings.public_url}): "
                    f"POST http://{host}:{settings.edge_port}/webhooks/sms/webhook, "
                    f"…/whatsapp/webhook",),
    }
    core = [dataclasses.replace(spec, urls=banner.get(spec.name, ()))
            for spec in processes(Topology.single(settings, model))]
    return [*single_instance_services(settings), *core]


def single_instance_services(settings: Settings) -> list[ServiceSpec]:
    """What both stacks run once, beside Rasa and the edges: the Twilio stand-in (not
    under the production profile: its messages go to Twilio), the desk (with its demo
    agent locally), the handoff outbox worker and the incidents API."""
    local = settings.profile is Profile.LOCAL
    return [*([standin_service(settings)] if local else []), *handoff_services(settings),
            incidents_service(settings)]


def handoff_services(settings: Settings) -> list[ServiceSpec]:
    """The agent desk (locally with its demo agent seeded first) and the handoff outbox
    worker."""
    from careline.desk.cli import DEMO_AGENT, demo_password

    python, host, desk_port = sys.executable, settings.internal_host, settings.desk_port
    worker_port = settings.resolved_handoff_worker_port
    if settings.profile is Profile.LOCAL:
        seed: tuple[str, ...] = ("--seed-demo-agent",)
        login = f"demo login: {DEMO_AGENT} / {demo_password(settings.data_dir)}"
    else:
        seed, login = (), "agents: .venv/bin/careline desk agent add NAME"
    return [
        ServiceSpec(
            name="desk",
            # Rasa's HTTP API at its internal address (never through the public edge)
            argv=(python, "-m", "careline.cli.main", "desk", *seed,
                  "--port", str(desk_port), "--rasa-url", settings.rasa_url),
            health_url=f"http://{host}:{desk_port}/health",
            urls=(f"Agent desk: http://{host}:{desk_port}/  ({login})",),
        ),
        ServiceSpec(
            name="handoff-worker",
            argv=(python, "-m", "careline.cli.main", "handoff-worker",
                  "--port", str(worker_port), "--desk-url", f"http://{host}:{desk_port}"),
            health_url=f"http://{host}:{worker_port}/health",
        ),
    ]


def incidents_service(settings: Settings) -> ServiceSpec:
    """The incidents API an operator's network system calls (docs/insight.md)."""
    port, host = settings.resolved_incident_api_port, settings.internal_host
    return ServiceSpec(
        name="incidents",
        argv=(sys.executable, "-m", "careline.cli.main", "incident", "serve",
              "--port", str(port)),
        health_url=f"http://{host}:{port}/health",
        urls=(f"Incidents API: POST http://{host}:{port}/incidents "
              f"(token in {settings.data_dir / 'secrets' / 'incident-api-token'})",
              "Try an outage: .venv/bin/careline incident open INC-1 --area LS6 "
              "--summary 'no mobile data'"),
    )


__all__ = ["PROJECT_ROOT", "ServiceSpec", "local_services", "rasa_environment",
           "single_instance_services", "standin_service", "twilio_environment"]
