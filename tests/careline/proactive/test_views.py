"""The incidents API over real HTTP: token, idempotency by id + version, refusals."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp.test_utils import TestClient, TestServer

from careline.proactive.views import build_app
from careline.proactive.wiring import outage_care

TOKEN = "s3cret-incident-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BODY = {"incident_id": "INC-88", "version": 1, "action": "open", "areas": ["M1"],
        "summary": "no mobile data", "occurred_at": "2026-06-01T11:00:00Z",
        "service_critical": True}


@pytest.fixture()
async def client(engine, settings, standin, add_area, add_customer):
    from careline.settings import get_settings

    add_area("M1")
    add_customer(area="M1")
    add_customer(area="M1", segment="vip")
    care = outage_care(get_settings(), engine=engine, with_rasa=False)
    async with TestClient(TestServer(build_app(care, token=TOKEN,
                                               tracker_sync_seconds=None))) as client:
        yield client


async def until_sent(client: TestClient, count: int) -> dict:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        response = await client.get("/incidents/INC-88", headers=AUTH)
        if response.status == 200:
            body = await response.json()
            if body["notices"].get("sent", 0) >= count:
                return body
        await asyncio.sleep(0.05)
    raise AssertionError("notices were not sent in time")


async def test_refuses_a_missing_or_wrong_token(client, standin):
    assert (await client.post("/incidents", json=BODY)).status == 401
    wrong = await client.post("/incidents", json=BODY, headers={"Authorization": "Bearer nope"})
    assert wrong.status == 401 and standin.messages == []


async def test_accepts_once_and_answers_a_repeat_as_a_duplicate(client, standin):
    first = await client.post("/incidents", json=BODY, headers=AUTH)
    assert first.status == 202
    status = await until_sent(client, 2)
    assert status["notices"] == {"sent": 2}
    again = await client.post("/incidents", json=BODY, headers=AUTH)
    assert again.status == 200 and (await again.json())["duplicate"] is True
    await until_sent(client, 2)
    assert len(standin.messages) == 2


async def test_refuses_a_reused_version_an_unknown_area_and_a_bad_body(client, standin):
    assert (await client.post("/incidents", json=BODY, headers=AUTH)).status == 202
    await until_sent(client, 2)
    reused = await client.post("/incidents", json={**BODY, "summary": "other"}, headers=AUTH)
    assert reused.status == 409
    unknown = await client.post("/incidents", json={**BODY, "incident_id": "INC-89",
                                                    "areas": ["ZZ9"]}, headers=AUTH)
    assert unknown.status == 422 and "ZZ9" in (await unknown.json())["error"]
    bad = await client.post("/incidents", json={**BODY, "version": 0}, headers=AUTH)
    assert bad.status == 422
    assert len(standin.messages) == 2
