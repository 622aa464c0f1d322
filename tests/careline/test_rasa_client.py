"""The Rasa client against a real HTTP server that answers as Rasa does, or does not."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from careline.rasa_client import (CustomerNotConnected, RasaBadReply, RasaClient, RasaError,
                                  RasaRefused, RasaTimeout, RasaUnreachable)
from careline.webchat.rooms import OFFLINE_REASON

TOKEN = "rasa-api-token"


class FakeRasa:
    """Records each request; answers with ``status`` and ``body`` (or never answers)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status, self.body = 200, json.dumps({"messages": []})
        self.hang = False
        self.released = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append({"path": request.path, "query": dict(request.query),
                              "authorization": request.headers.get("Authorization"),
                              "body": await request.json()})
        if self.hang:
            await self.released.wait()
        return web.Response(status=self.status, text=self.body,
                            content_type="application/json")


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[FakeRasa, RasaClient]]:
    fake = FakeRasa()
    app = web.Application()
    app.router.add_post("/conversations/{conversation}/{what:.*}", fake.handle)
    app.router.add_post("/webhooks/rest/webhook", fake.handle)
    server = TestServer(app)
    await server.start_server()
    client = RasaClient(base_url=str(server.make_url("/")), token=TOKEN, timeout=0.5)
    try:
        yield fake, client
    finally:
        fake.released.set()
        await client.close()
        await server.close()


async def test_events_are_appended_with_the_token_on_the_customer_s_latest_channel(rasa):
    fake, client = rasa
    await client.hand_back(conversation_id="conv/1", text="Back to the bot")
    [request] = fake.requests
    assert request["path"] == "/conversations/conv/1/tracker/events"
    assert request["query"] == {"output_channel": "latest", "execute_side_effects": "true",
                                "token": TOKEN}
    assert [event["event"] for event in request["body"]] == ["resume", "slot", "bot", "action"]


async def test_a_triggered_intent_returns_what_rasa_collected(rasa):
    fake, client = rasa
    fake.body = json.dumps({"messages": [{"recipient_id": "c", "text": "Fixed now."}]})
    messages = await client.trigger_intent(conversation_id="c", intent="EXTERNAL_x",
                                           entities={"a": "b"}, output_channel="collector")
    assert messages == [{"recipient_id": "c", "text": "Fixed now."}]
    assert fake.requests[0]["body"] == {"name": "EXTERNAL_x", "entities": {"a": "b"}}
    assert fake.requests[0]["query"]["output_channel"] == "collector"


async def test_a_rest_message_carries_the_rest_token_and_never_the_api_token(rasa):
    fake, client = rasa
    fake.body = json.dumps([{"recipient_id": "me", "text": "Hi! How can I help?"}])
    answers = await client.rest_message(sender="me", text="hi", rest_token="rest-token")
    assert answers == [{"recipient_id": "me", "text": "Hi! How can I help?"}]
    [request] = fake.requests
    assert request["authorization"] == "Bearer rest-token"
    assert request["query"] == {} and request["body"] == {"sender": "me", "message": "hi"}


async def test_an_http_error_is_a_refusal_that_waiting_does_not_fix(rasa):
    fake, client = rasa
    fake.status, fake.body = 403, '{"message": "wrong token"}'
    with pytest.raises(RasaRefused) as refused:
        await client.send_agent_message(conversation_id="c", text="Hi", agent="Sam")
    assert refused.value.status == 403 and not refused.value.transient
    assert not isinstance(refused.value, CustomerNotConnected)


async def test_a_load_balancer_without_a_replica_means_rasa_is_unreachable(rasa):
    fake, client = rasa
    fake.status, fake.body = 502, "<html>502 Bad Gateway</html>"
    with pytest.raises(RasaUnreachable) as down:
        await client.trigger_intent(conversation_id="c", intent="i", entities={})
    assert down.value.transient


async def test_a_web_chat_customer_who_left_is_not_connected(rasa):
    fake, client = rasa
    fake.status, fake.body = 400, json.dumps({"message": OFFLINE_REASON})
    with pytest.raises(CustomerNotConnected, match=OFFLINE_REASON):
        await client.send_agent_message(conversation_id="c", text="Hi", agent="Sam")


@pytest.mark.parametrize("body", ["<html>proxy error</html>", '["not", "an object"]',
                                  '{"messages": "not a list"}'])
async def test_a_200_that_is_not_rasa_s_answer_is_a_bad_reply(rasa, body):
    fake, client = rasa
    fake.body = body
    with pytest.raises(RasaBadReply):
        await client.trigger_intent(conversation_id="c", intent="i", entities={})


async def test_a_rasa_that_does_not_answer_in_time_is_a_transient_timeout(rasa):
    fake, client = rasa
    fake.hang = True
    with pytest.raises(RasaTimeout) as slow:
        await client.hand_back(conversation_id="c")
    assert slow.value.transient


async def test_a_rasa_that_is_down_is_transiently_unreachable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens once the probe closes
    client = RasaClient(base_url=f"http://127.0.0.1:{port}", token=TOKEN, timeout=2)
    try:
        with pytest.raises(RasaUnreachable) as down:
            await client.hand_back(conversation_id="c")
    finally:
        await client.close()
    assert down.value.transient and isinstance(down.value, RasaError)
