"""The processes ``make run`` starts, each with a health endpoint to wait for.

A feature that adds a long-running service adds its :class:`ServiceSpec` in
:func:`local_services`.

What binds where: every process listens on ``CARELINE_BIND_HOST`` (loopback unless the
operator names an interface) and nothing listens on every interface, which is Rasa's and
rasa_sdk's own default. Each is told so on its command line (``--interface`` for Rasa,
``--host`` for the rest) or, for the desk, the handoff worker and the incidents API, by
the same setting in its environment. Under ``make run`` the one Rasa server *is* the
public edge: Twilio's webhooks and the web chat reach it through whatever forwards
``CARELINE_PUBLIC_URL`` to it (a tunnel to loopback, docs/channels.md), and its HTTP
API on the same port needs the API token. Under ``careline up`` nginx is the public
edge instead and the replicas stay internal (careline/deploy/nginx.py). The action
server refuses every caller without the shared secret (careline/runtime/action_secret.py).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from careline.runtime.action_secret import SECRET_VARIABLE, action_secret
from careline.settings import PROJECT_ROOT, Profile, Settings


#: Idle keep-alive of the action servers (rasa_sdk's Sanic reads ``SANIC_*`` from the
#: environment; Rasa sets its own 120 s). Sanic's default, 5 s, also closes a *fresh*
#: connection that sends nothing for 5 s: under load Rasa's starved event loop connects,
#: writes its action call late, and fails with "Cannot write to closing transport", losing
#: the action's events. 75 s also outlasts nginx's idle upstream pool (60 s).
SANIC_KEEP_ALIVE_SECONDS = 75


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    argv: tuple[str, ...]
    health_url: str
    urls: tuple[str, ...] = field(default_factory=tuple)


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
    """Every process of ``make run``; the production profile starts no Twilio stand-in
    (its messages go to Twilio) and no demo agent."""
    python, host = sys.executable, settings.internal_host
    rasa_port = settings.rasa_port
    local = settings.profile is Profile.LOCAL
    return [
        *([standin_service(settings)] if local else []),
        ServiceSpec(
            name="actions",
            # the shared secret comes from CARELINE_ACTION_SECRET, out of `ps`
            argv=(python, "-m", "careline.runtime.action_server",
                  "--port", str(settings.actions_port), "--host", settings.bind_host),
            health_url=f"http://{host}:{settings.actions_port}/health",
        ),
        ServiceSpec(
            name="rasa",
            # the API token comes from CARELINE_RASA_TOKEN, out of `ps` (rasa_server.py)
            argv=(python, "-m", "careline.runtime.rasa_server", "run", "--model", str(model),
                  "--enable-api", "--interface", settings.bind_host, "--port", str(rasa_port),
                  "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                  "--cors", "*"),
            health_url=f"http://{host}:{rasa_port}/",
            urls=(
                f"REST webhook: POST http://{host}:{rasa_port}/webhooks/rest/webhook",
                f"Web chat: http://{host}:{rasa_port}/webhooks/webchat/chat",
                "Terminal chat: .venv/bin/careline chat",
            ),
        ),
        *handoff_services(settings),
        incidents_service(settings),
    ]


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
              "(token in .careline/secrets/incident-api-token)",
              "Try an outage: .venv/bin/careline incident open INC-1 --area LS6 "
              "--summary 'no mobile data'"),
    )


__all__ = ["ServiceSpec", "local_services", "rasa_environment", "standin_service",
           "twilio_environment", "PROJECT_ROOT"]
