"""A desk whose database is away answers 503 (retry), never 500 (a try against the handoff)."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from careline.desk.api_auth import desk_api_token
from careline.desk.app import build_app
from careline.desk.database_away import database_away_is_503
from careline.rasa_client import RasaClient
from careline.settings import get_settings
from tests.careline.desk.conftest import closed_port, quiet_event_source
from tests.careline.handoff.builders import package


@pytest.fixture
async def client_without_database(careline_env, tmp_path):
    settings = get_settings()
    away = create_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{closed_port()}/careline",
                         connect_args={"connect_timeout": 2})
    rasa = RasaClient(base_url=f"http://127.0.0.1:{closed_port()}", token="t", timeout=2)
    app = build_app(settings, engine=away, rasa=rasa, event_source=quiet_event_source(tmp_path))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_a_handoff_to_a_desk_without_its_database_is_answered_503(client_without_database):
    built = package()
    response = await client_without_database.post(
        "/api/handoffs", data=built.json(),
        headers={"Authorization": f"Bearer {desk_api_token(get_settings())}",
                 "Idempotency-Key": built.idempotency_key})
    assert response.status == 503
    assert response.headers["Retry-After"] == "5"
    assert "database" in (await response.json())["error"]


async def test_only_an_outage_is_answered_503():
    """A request the desk fails on for another reason stays a 500: the worker must count it."""
    async def outage(_: web.Request) -> web.Response:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError())

    async def bug(_: web.Request) -> web.Response:
        raise ValueError("a package the desk cannot file")

    app = web.Application(middlewares=[database_away_is_503])
    app.router.add_get("/outage", outage)
    app.router.add_get("/bug", bug)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/outage")).status == 503
        assert (await client.get("/bug")).status == 500
