"""The learning loop, measured end to end: messages the model gets wrong reach the review
inbox, a designer corrects them over the inbox's HTTP API, a model retrained on the
corrections understands them, and the held-out score (``make eval-heldout``) does not fall.

The messages below were written for this test, not taken from any evaluation set; which of
them the current model misreads is decided by the model, so the test follows the data.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from careline import clock
from careline.designer.heldout import HELDOUT_DIR, read_heldout, score_heldout
from careline.designer.shared_eval import read_coarse_labels
from careline.designer.training import Prediction, parse_texts, train_nlu_model
from careline.desk.agents import AgentService
from careline.desk.app import build_app
from careline.desk.review import ReviewService
from careline.desk.review_views import REVIEW
from careline.desk.schemas import Role
from careline.rasa_client import RasaClient
from careline.rasa_integration.config import tracker_store_url
from careline.settings import PROJECT_ROOT, get_settings
from tests.careline.desk.conftest import closed_port, quiet_event_source
from tests.careline.desk.review_rows import did, save_all, sign_in
from tests.careline.handoff.builders import user

#: Customer phrasings of known intents, in slang the training data is unlikely to hold.
CANDIDATES = {
    "whats the damage on my account this month": "ask_balance",
    "how deep in the red am i with you lot": "ask_balance",
    "tell me my outstanding": "ask_balance",
    "what do i owe yous": "ask_balance",
    "when do u lot nick the money off me": "ask_due_date",
    "what day does the dd come out": "ask_due_date",
    "can i settle up at the post office": "ask_how_to_pay",
    "do u take paypal": "ask_how_to_pay",
    "theres some premium text thing on here i never signed up for": "dispute_charge",
    "who said i rang a 09 number, i never": "dispute_charge",
    "my bars have vanished since lunch": "check_outage",
    "phone just says sos only": "check_outage",
    "how many gigs have i burned through": "ask_plan_usage",
    "am i close to my cap yet": "ask_plan_usage",
    "off to lanzarote next week will my mobile work out there": "ask_roaming",
    "put me through to someone with a pulse": "request_human",
    "just send me my pac code": "cancel_service",
    "knock me down to the cheaper tariff": "change_plan",
    "bump me up to the bigger bundle": "change_plan",
    "which of your deals suits someone who streams a lot": "ask_plan_recommendation",
}
#: Fewer misreadings than this and there is nothing to learn from: the candidates need
#: fresh slang, not a weaker test.
MIN_MISREAD = 3


def newest_model() -> Path:
    models = sorted((PROJECT_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    assert models, "no trained model in models/: run `make model`"
    return models[-1]


def project_copy(directory: Path) -> Path:
    """The project's NLU data and domain, so corrections land here, not in the work tree."""
    root = directory / "project"
    for part in ("data", "domain", HELDOUT_DIR):
        shutil.copytree(PROJECT_ROOT / part, root / part)
    shutil.rmtree(root / "data" / "nlu" / "reviewed", ignore_errors=True)
    shutil.copy(PROJECT_ROOT / "config.yml", root / "config.yml")
    return root


def nlu_yaml(root: Path) -> str:
    """Every NLU file of the project, reviewed corrections included, as Rasa reads them."""
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(root / "data" / "nlu")).nlu_as_yaml()


def played(misread: list[Prediction]) -> dict[str, list[dict]]:
    """Each misread message in a conversation of its own, as Rasa's tracker store keeps it."""
    hour = clock.now().timestamp() - 3600
    return {f"loop-{n}": [{"event": "session_started", "timestamp": hour + n * 10},
                          user(p.text, hour + n * 10 + 1, intent=p.intent,
                               confidence=p.confidence),
                          did("action_default_fallback", hour + n * 10 + 2)]
            for n, p in enumerate(misread)}


async def correct_in_inbox(client: TestClient, misread: list[Prediction]) -> None:
    csrf = await sign_in(client)
    response = await client.get("/api/review/messages", params={"days": 1})
    assert response.status == 200
    shown = {m["text"]: m for m in (await response.json())["messages"]}
    for prediction in misread:
        row = shown[prediction.text]
        assert row["intent"] == prediction.intent
        answer = await client.post("/api/review/corrections", headers={"X-CSRF-Token": csrf},
                                   json={"message_id": row["message_id"],
                                         "intent": CANDIDATES[prediction.text]})
        assert answer.status == 201, await answer.text()


async def test_corrections_in_the_inbox_teach_the_model_without_costing_the_heldout(
        careline_env, tmp_path, eval_set):
    current = newest_model()
    texts = list(CANDIDATES)
    before = await asyncio.to_thread(parse_texts, current, texts)
    misread = [p for p in before if p.intent != CANDIDATES[p.text]]
    assert len(misread) >= MIN_MISREAD, [p.text for p in misread]

    settings = get_settings()
    await save_all(settings.data_dir / "tracker.db", played(misread))
    agents = AgentService(careline_env)
    agents.create_agent(username="dee", password="correct horse", display_name="Dee Designer")
    agents.set_role(username="dee", role=Role.DESIGNER)
    app = build_app(settings, engine=careline_env,
                    rasa=RasaClient(base_url=f"http://127.0.0.1:{closed_port()}", token="t",
                                    timeout=2),
                    event_source=quiet_event_source(tmp_path))
    root = project_copy(tmp_path)
    app[REVIEW] = ReviewService(tracker_url=tracker_store_url(settings), root=root)
    async with TestClient(TestServer(app)) as client:
        await correct_in_inbox(client, misread)
    assert len(list((root / "data" / "nlu" / "reviewed").glob("*.yml"))) == \
        len({CANDIDATES[p.text] for p in misread})

    retrained = await asyncio.to_thread(train_nlu_model, root / "config.yml", nlu_yaml(root),
                                        label="learning-loop")
    after = await asyncio.to_thread(parse_texts, retrained.path, [p.text for p in misread])
    learned = [p.text for p in after if p.intent == CANDIDATES[p.text]]
    assert len(learned) >= 0.8 * len(misread), {p.text: p.intent for p in after}

    heldout = read_heldout(PROJECT_ROOT / HELDOUT_DIR)
    mapping = read_coarse_labels(PROJECT_ROOT / "coarse_labels.yml")
    old = await asyncio.to_thread(score_heldout, current, messages=heldout, mapping=mapping)
    new = await asyncio.to_thread(score_heldout, retrained.path, messages=heldout,
                                  mapping=mapping)
    assert new.macro_f1 >= old.macro_f1, (old.macro_f1, new.macro_f1)
