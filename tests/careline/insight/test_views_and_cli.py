"""The dashboard sub-app and ``careline report`` on a freshly migrated store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from aiohttp.test_utils import TestClient, TestServer
from rasa.core.brokers.sql import SQLEventBroker

from careline.cli.main import main
from careline.insight.service import InsightService
from careline.insight.views import dashboard_app
from careline.settings import get_settings, reset_settings


@pytest.fixture()
def events(tmp_path, engine, monkeypatch):
    """A real SQL broker table with one handed-off conversation from an hour ago."""
    path = tmp_path / "events.db"
    broker = SQLEventBroker(db=str(path))
    at = datetime.now(timezone.utc) - timedelta(hours=1)
    for offset, event in enumerate([
            {"event": "session_started"},
            {"event": "user", "text": "my bill is wrong", "input_channel": "sms",
             "parse_data": {"intent": {"name": "ask_bill"}}, "metadata": {"channel": "sms"}},
            {"event": "slot", "name": "handoff_reason", "value": "requested"},
            {"event": "action", "name": "action_handoff_to_agent"}]):
        broker.publish({"sender_id": "+447911555123", "timestamp": at.timestamp() + offset,
                        **event})
    broker.engine.dispose()
    monkeypatch.setenv("CARELINE_DATABASE_URL", str(engine.url))
    monkeypatch.setenv("CARELINE_EVENTS_DB", str(path))
    reset_settings()
    yield path
    reset_settings()


async def test_the_dashboard_draws_the_figures_and_refuses_a_bad_period(events, engine):
    service = InsightService(engine=engine, events=str(events))
    async with TestClient(TestServer(dashboard_app(get_settings(), service=service))) as client:
        page = await client.get("/?since=2d")
        html = await page.text()
        assert page.status == 200 and "text/html" in page.headers["Content-Type"]
        assert "<b>1</b><span>contacts</span>" in html
        assert "<b>0%</b><span>contained by the bot</span>" in html
        assert "+447911555123" not in html
        assert (await client.get("/?since=yesterday-ish")).status == 400


def test_careline_report_writes_the_page(events, tmp_path, capsys):
    out = tmp_path / "out" / "report.html"
    assert main(["report", "--since", "7d", "--out", str(out)]) == 0
    assert "1 contacts, containment 0%" in capsys.readouterr().out
    assert out.read_text().count("data:image/png;base64,") == 6
    assert main(["report", "--since", "last week", "--out", str(out)]) == 2
