"""The processes ``make run`` starts, each with a health endpoint to wait for.

A feature that adds a long-running service adds its :class:`ServiceSpec` in
:func:`local_services`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from careline.settings import PROJECT_ROOT, Settings


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    argv: tuple[str, ...]
    health_url: str
    urls: tuple[str, ...] = field(default_factory=tuple)


def rasa_environment(settings: Settings, token: str) -> dict[str, str]:
    """The environment every child sees: endpoints.yml and credentials.yml expand it."""
    env = dict(os.environ)
    env.update({
        "CARELINE_ACTION_ENDPOINT": settings.resolved_action_endpoint,
        "CARELINE_RASA_TOKEN": token,
        "CARELINE_DATA_DIR": str(settings.data_dir),
        "CARELINE_DATABASE_URL": settings.resolved_database_url,
        "CARELINE_TRACKER_DB": str(settings.data_dir / "tracker.db"),
        "CARELINE_EVENTS_DB": str(settings.data_dir / "events.db"),
        "PYTHONUNBUFFERED": "1",
    })
    return env


def local_services(settings: Settings, model: Path, token: str) -> list[ServiceSpec]:
    python = sys.executable
    rasa_port = settings.rasa_port
    return [
        ServiceSpec(
            name="actions",
            argv=(python, "-m", "rasa_sdk", "--actions", "actions",
                  "--port", str(settings.actions_port)),
            health_url=f"http://127.0.0.1:{settings.actions_port}/health",
        ),
        ServiceSpec(
            name="rasa",
            argv=(python, "-m", "rasa", "run", "--model", str(model),
                  "--enable-api", "--auth-token", token, "--port", str(rasa_port),
                  "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
                  "--cors", "*"),
            health_url=f"http://127.0.0.1:{rasa_port}/",
            urls=(
                f"REST webhook: POST http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                "Terminal chat: .venv/bin/careline chat",
            ),
        ),
    ]


__all__ = ["ServiceSpec", "local_services", "rasa_environment", "PROJECT_ROOT"]
