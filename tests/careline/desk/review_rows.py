"""Real tracker store rows for the review inbox and conversation browser tests.

Rasa's own SQL tracker store writes them (the table the inbox reads in production),
timed from careline.clock so the inbox's "last N days" holds on any date. ``client`` is
the desk over real HTTP on them, with Dee (designer) and Ana (agent).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from careline import clock
from careline.designer.shared_eval import EVAL_FILE, eval_dir, read_messages
from careline.desk.agents import AgentService
from careline.desk.app import build_app
from careline.desk.review import ReviewService
from careline.desk.review_views import REVIEW
from careline.desk.schemas import Role
from careline.rasa_client import RasaClient
from careline.rasa_integration.config import tracker_store_url
from careline.settings import PROJECT_ROOT, get_settings
from tests.careline.desk.conftest import closed_port, quiet_event_source
from tests.careline.handoff.builders import bot, slot, user

PIN = "2468"
PHONE = "+447700900101"
ACCOUNT = "CL10000101"


def did(name: str, ts: float, policy: str = "RulePolicy",
        confidence: float = 1.0) -> dict[str, Any]:
    return {"event": "action", "timestamp": ts, "name": name, "policy": policy,
            "confidence": confidence}


def eval_text() -> str:
    """A message of the evaluation set in use (no digits: masking leaves it whole)."""
    return next(m.text for m in read_messages(eval_dir() / EVAL_FILE)
                if not any(c.isdigit() for c in m.text) and len(m.text.split()) > 3)


def conversations() -> dict[str, list[dict[str, Any]]]:
    """One conversation per thing the inbox filters on, in the last hours; one customer's
    earlier session two days ago makes their second a repeat contact."""
    now = clock.now().timestamp()
    hour = now - 3600
    return {
        "conv-pin": [
            {"event": "session_started", "timestamp": hour},
            user(f"my pin is {PIN} and my number is {PHONE}, account {ACCOUNT}", hour + 1,
                 intent="verify_identity", confidence=0.95,
                 entities=({"entity": "pin", "value": PIN},
                           {"entity": "account_number", "value": ACCOUNT})),
            did("action_verify_identity", hour + 1.1, confidence=0.98),
            bot("Thanks, you're signed in.", hour + 1.2)],
        "conv-fallback": [
            {"event": "session_started", "timestamp": hour + 10},
            user("blorp the zingle", hour + 11, intent="nlu_fallback", confidence=0.21),
            did("action_default_fallback", hour + 11.1),
            bot("Sorry, I didn't get that.", hour + 11.2)],
        "conv-unsure": [
            {"event": "session_started", "timestamp": hour + 20},
            user("is my bill going up or what", hour + 21, intent="ask_balance",
                 confidence=0.41),
            did("action_show_balance", hour + 21.1, policy="MemoizationPolicy"),
            bot("You owe £42.10, due on the 3rd.", hour + 21.2)],
        "conv-handoff": [  # as Rasa writes a session: its action first
            did("action_session_start", hour + 29.9),
            {"event": "session_started", "timestamp": hour + 30},
            user("get me a real human now", hour + 31, intent="request_human", confidence=0.97),
            did("action_handoff_to_agent", hour + 31.1),
            slot("handoff_reason", "requested", hour + 31.2),
            bot("I'm passing you to a colleague.", hour + 31.3)],
        "conv-complaint": [
            {"event": "session_started", "timestamp": hour + 40},
            user("this is a joke, you charged me twice", hour + 41, intent="frustration",
                 confidence=0.88),
            did("utter_sorry_frustration", hour + 41.1)],
        "conv-repeat": [
            {"event": "session_started", "timestamp": now - 2 * 86400},
            user("my signal is gone", now - 2 * 86400 + 1, intent="check_outage",
                 confidence=0.9),
            did("action_check_outage", now - 2 * 86400 + 1.1),
            {"event": "session_started", "timestamp": hour + 50},
            user("still no signal here", hour + 51, intent="check_outage", confidence=0.93),
            did("action_check_outage", hour + 51.1)],
        "conv-eval": [
            {"event": "session_started", "timestamp": hour + 60},
            user(eval_text(), hour + 61, intent="ask_balance", confidence=0.7),
            did("action_show_balance", hour + 61.1)],
    }


async def save_all(tracker_db: Path, talks: dict[str, list[dict[str, Any]]]) -> None:
    """Write every conversation through Rasa's SQLTrackerStore."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker_db.parent.mkdir(parents=True, exist_ok=True)
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tracker_db))
    for sender, events in talks.items():
        tracker = DialogueStateTracker.from_events(
            sender, [Event.from_parameters(e) for e in events])
        await store.save(tracker)
    store.engine.dispose()


def project_copy(directory: Path) -> Path:
    """A project root with the real domain and held-out set and one small NLU file,
    so corrections are written here and not into the work tree."""
    root = directory / "project"
    shutil.copytree(PROJECT_ROOT / "domain", root / "domain")
    shutil.copytree(PROJECT_ROOT / "tests" / "nlu_heldout", root / "tests" / "nlu_heldout")
    nlu = root / "data" / "nlu"
    nlu.mkdir(parents=True)
    (nlu / "billing.yml").write_text('version: "3.1"\nnlu:\n- intent: ask_balance\n'
                                     '  examples: |\n    - how much do I owe\n'
                                     '- intent: check_outage\n  examples: |\n'
                                     '    - still no signal here\n', encoding="utf-8")
    return root


@pytest.fixture
async def client(careline_env, tmp_path, eval_set):
    settings = get_settings()
    agents = AgentService(careline_env)
    agents.create_agent(username="dee", password="correct horse", display_name="Dee Designer")
    agents.set_role(username="dee", role=Role.DESIGNER)
    agents.create_agent(username="ana", password="correct horse", display_name="Ana Agent")
    await save_all(settings.data_dir / "tracker.db", conversations())
    rasa = RasaClient(base_url=f"http://127.0.0.1:{closed_port()}", token="t", timeout=2)
    app = build_app(settings, engine=careline_env, rasa=rasa,
                    event_source=quiet_event_source(tmp_path))
    root = project_copy(tmp_path)
    app[REVIEW] = ReviewService(tracker_url=tracker_store_url(settings), root=root)
    async with TestClient(TestServer(app)) as test_client:
        test_client.root = root
        yield test_client


async def sign_in(client, username: str = "dee") -> str:
    """Sign in; the session's CSRF token."""
    page = await (await client.get("/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = await client.post("/login", data={"username": username,
                                                 "password": "correct horse",
                                                 "csrf_token": token}, allow_redirects=False)
    assert response.status == 303
    page = await (await client.get("/insight")).text()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
