"""The desk's insight page: behind the agent login, the same figures as ``careline report``."""

from __future__ import annotations

import re
import socket
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from careline.cli.main import main
from careline.desk.agents import AgentService
from careline.desk.app import build_app
from careline.desk.events import SqlEventSource
from careline.rasa_client import RasaClient
from careline.settings import get_settings, reset_settings
from tests.careline.insight.test_week import MONDAY, week  # noqa: F401

PERIOD = {"since": MONDAY.isoformat(), "until": (MONDAY + timedelta(days=7)).isoformat()}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _figures(html: str) -> str:
    """The report's content from the tiles on, charts' pixels left out (drawn anew each time)."""
    content = html[html.index('<div class="tiles">'):]
    content = content[:content.index("</main>")]
    content = re.sub(r"</div>\s*$", "", content.strip())
    return re.sub(r'src="data:image/png;base64,[^"]+"', 'src="chart"', content)


@pytest.fixture()
async def desk(week, engine, tmp_path, monkeypatch):  # noqa: F811 - the fixture imported above
    service, people = week
    monkeypatch.setenv("CARELINE_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("CARELINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CARELINE_EVENTS_DB", str(tmp_path / "events.db"))
    reset_settings()
    AgentService(engine).create_agent(username="ana", password="correct horse",
                                      display_name="Ana Agent")

    async def no_cursor() -> int:
        return 0

    async def ignore(_: int) -> None:
        return None

    source = SqlEventSource(f"sqlite:///{tmp_path / 'desk-events.db'}", load_cursor=no_cursor,
                            save_cursor=ignore)
    rasa = RasaClient(base_url=f"http://127.0.0.1:{_closed_port()}", token="t", timeout=2)
    app = build_app(get_settings(), engine=engine, rasa=rasa, event_source=source,
                    insight=service)
    async with TestClient(TestServer(app)) as client:
        yield client, people
    reset_settings()


async def _sign_in(client) -> None:
    page = await (await client.get("/login")).text()
    response = await client.post("/login", data={"username": "ana", "password": "correct horse",
                                                 "csrf_token": _csrf(page)},
                                 allow_redirects=False)
    assert response.status == 303


async def test_an_anonymous_visitor_is_sent_to_the_login(desk):
    client, _ = desk
    response = await client.get("/insight", params=PERIOD, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/login"


async def test_a_signed_in_agent_sees_the_figures_of_careline_report(desk, tmp_path):
    client, people = desk
    await _sign_in(client)
    queue = await (await client.get("/")).text()
    assert '<a href="/insight">Insight</a>' in queue

    response = await client.get("/insight", params=PERIOD)
    page = await response.text()
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    # The scripted week's true counts (tests/careline/insight/test_week.py).
    assert "<b>8</b><span>contacts</span>" in page
    assert "<b>62%</b><span>contained by the bot</span>" in page
    assert "<b>3</b><span>handed to an agent</span>" in page
    assert "<b>1</b><span>frustrated contacts</span>" in page
    assert page.count('src="data:image/png;base64,') == 6
    for person in people.values():
        assert person.msisdn not in page and person.msisdn[3:] not in page

    out = tmp_path / "report.html"
    assert main(["report", "--since", PERIOD["since"], "--until", PERIOD["until"],
                 "--out", str(out)]) == 0
    assert _figures(page) == _figures(out.read_text(encoding="utf-8"))


async def test_a_bad_period_is_explained(desk):
    client, _ = desk
    await _sign_in(client)
    response = await client.get("/insight", params={"since": "last week"})
    assert response.status == 400 and "use 7d, 24h, 2w or an ISO date" in await response.text()
