"""The desk's tests use the handoff suite's fixtures: a seeded SQLite copy per test.

Browser tests also get the desk itself on a free port (in this process, no Rasa
behind it) with one agent, Ana: ``desk_url``, or :func:`running_desk` for a fixture of
another suite's own (tests/careline/deploy/test_edge.py puts nginx in front of it).
"""

import os
import socket
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.engine import Engine

from careline.desk.agents import AgentService
from careline.desk.app import build_app
from careline.desk.events import SqlEventSource
from careline.rasa_client import RasaClient
from careline.settings import get_settings
from tests.careline.handoff.conftest import careline_env, engine, seeded_template  # noqa: F401


def closed_port() -> int:
    """A port nothing listens on: Rasa is unreachable from this desk."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def quiet_event_source(directory) -> SqlEventSource:
    """An empty SQL broker table: no Rasa behind this desk."""

    async def no_cursor():
        return 0

    async def ignore(_):
        return None

    return SqlEventSource(f"sqlite:///{directory / 'events.db'}", load_cursor=no_cursor,
                          save_cursor=ignore)


@asynccontextmanager
async def running_desk(engine: Engine, directory: Path) -> AsyncIterator[int]:
    """The real desk application on a free port (its number), with one agent, Ana."""
    AgentService(engine).create_agent(username="ana", password="correct horse",
                                      display_name="Ana Agent")
    rasa = RasaClient(base_url=f"http://127.0.0.1:{closed_port()}", token="t", timeout=2)
    app = build_app(get_settings(), engine=engine, rasa=rasa,
                    event_source=quiet_event_source(directory))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield server.port
    finally:
        await server.close()


@pytest.fixture
async def desk_url(careline_env, tmp_path):
    async with running_desk(careline_env, tmp_path) as port:
        yield f"http://127.0.0.1:{port}"


async def sign_in(page, desk_url: str, username: str = "ana",
                  password: str = "correct horse") -> None:
    await page.goto(f"{desk_url}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_selector("header .who")


DOCS_IMAGES = Path(__file__).resolve().parents[3] / "docs" / "images"


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where browser tests save screenshots: docs/images/ (for docs/handoff.md) only with
    CARELINE_UPDATE_SCREENSHOTS=1, so an ordinary run leaves the work tree as it was."""
    return DOCS_IMAGES if os.environ.get("CARELINE_UPDATE_SCREENSHOTS") == "1" else tmp_path
