"""The whole Careline stack for end-to-end tests: ``careline run`` on free ports.

Started once per test session through ``careline.runtime.launch.prepare_and_start``
with a temporary data dir (SQLite database, tracker store, logs) and its own
ports, so it never collides with a developer's ``make run``. Other features'
tests use it by importing the ``careline_stack`` fixture in their conftest::

    from tests.e2e.stack import careline_stack  # noqa: F401
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import pytest
import requests

from careline.channels.phone_simulator import Phone
from careline.channels.rest import rest_token
from careline.settings import Settings, reset_settings

CONVERSATION_SECRET = "CARELINE_CONVERSATION_SECRET"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class CarelineStack:
    settings: Settings
    token: str

    @property
    def rasa_url(self) -> str:
        return self.settings.rasa_url

    @property
    def edge_url(self) -> str:
        """Where Twilio's webhooks go: the Twilio edge (the URL Twilio signs)."""
        return self.settings.public_url

    @property
    def standin_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.twilio_standin_port}"

    @property
    def database_url(self) -> str:
        return self.settings.resolved_database_url

    def phone(self, channel: str, number: str) -> Phone:
        return Phone(settings=self.settings, channel=channel, number=number)

    @property
    def rest_headers(self) -> dict[str, str]:
        """What a trusted REST caller sends: the REST channel's bearer token."""
        return {"Authorization": f"Bearer {rest_token(self.settings)}"}

    def tracker(self, sender_id: str) -> dict[str, Any]:
        reply = requests.get(f"{self.rasa_url}/conversations/{sender_id}/tracker",
                             params={"token": self.token}, timeout=30)
        reply.raise_for_status()
        return reply.json()

    def standin_messages(self, to: Optional[str] = None) -> list[dict[str, Any]]:
        params = {"to": to} if to else {}
        reply = requests.get(f"{self.standin_url}/_standin/messages", params=params, timeout=10)
        reply.raise_for_status()
        return reply.json()


def stack_settings(base: Path) -> Settings:
    # the handoff worker's own port too: its default (desk port + 1) may be another's
    ports = {name: free_port()
             for name in ("rasa", "actions", "desk", "standin", "worker", "edge")}
    return Settings(
        data_dir=base / "data", rasa_port=ports["rasa"], actions_port=ports["actions"],
        desk_port=ports["desk"], handoff_worker_port=ports["worker"],
        twilio_standin_port=ports["standin"], edge_port=ports["edge"],
        rasa_token=secrets.token_urlsafe(16),
        twilio_api_base_url=f"http://127.0.0.1:{ports['standin']}",
        twilio_auth_token=secrets.token_urlsafe(16), twilio_account_sid="ACe2e",
    )


@pytest.fixture(scope="session")
def careline_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CarelineStack]:
    """Careline's services running for the whole session (slow: marks tests ``slow``)."""
    from careline.runtime.launch import prepare_and_start

    # one conversation secret for the stack's processes and this one, so a test names a
    # customer's conversation with customer_sender_id() as the channels do
    os.environ[CONVERSATION_SECRET] = secrets.token_urlsafe(24)
    reset_settings()
    settings = stack_settings(tmp_path_factory.mktemp("careline-stack"))
    supervisor, _ = prepare_and_start(timeout=600, settings=settings)
    try:
        yield CarelineStack(settings=settings, token=settings.rasa_token.get_secret_value())
    finally:
        supervisor.stop()
        os.environ.pop(CONVERSATION_SECRET, None)
        reset_settings()
