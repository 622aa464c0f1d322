"""Web chat end to end over socket.io: identity bound on connect, kept server-side."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import requests
import socketio

from careline.channels.conversation_key import customer_sender_id
from careline.channels.webchat_tokens import issue_token, webchat_secret
from careline.rasa_client import RasaClient, RasaError
from careline.webchat.rooms import OFFLINE_REASON
from tests.e2e.stack import CarelineStack
from tests.e2e.test_twilio_channels import _user_events

pytestmark = pytest.mark.slow


class WebClient:
    """A socket.io client recording every event the server emits to it."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, Any]] = []
        self.sio.on("*", self._record)

    async def _record(self, event: str, data: Any = None) -> None:
        self.events.append((event, data))

    async def connect(self, stack: CarelineStack, token: str | None = None) -> None:
        # Long polling: python-engineio's websocket client needs a newer aiohttp than Rasa pins.
        await self.sio.connect(stack.rasa_url, transports=["polling"],
                               auth={"token": token} if token else None, wait_timeout=30)

    def of(self, name: str) -> list[Any]:
        return [data for event, data in self.events if event == name]

    async def wait_for(self, name: str, count: int = 1, timeout: float = 60.0) -> list[Any]:
        for _ in range(int(timeout / 0.1)):
            if len(self.of(name)) >= count:
                return self.of(name)
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {name!r} within {timeout}s; got {self.events}")

    async def session(self) -> dict:
        await self.sio.emit("session_request", {})
        return (await self.wait_for("session_confirm"))[-1]


def _token(stack: CarelineStack, **claims: Any) -> str:
    return issue_token(secret=webchat_secret(stack.settings), **claims)


def test_a_forged_token_is_refused_on_connect(careline_stack):
    async def run() -> None:
        client = WebClient()
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect(careline_stack, token=issue_token(
                subject="mallory", customer_id=1, secret="not-the-secret-0123456789abcdef0"))
    asyncio.run(run())


def test_a_verified_user_talks_in_their_own_conversation(careline_stack):
    async def run() -> dict:
        client = WebClient()
        await client.connect(careline_stack, _token(careline_stack, subject="alice-web"))
        session = await client.session()
        await client.sio.emit("user_uttered", {"message": "hi"})
        await client.wait_for("bot_uttered")
        typing = await client.wait_for("bot_typing", count=2)
        await client.sio.disconnect()
        return {"session": session, "typing": typing}

    seen = asyncio.run(run())
    assert seen["session"]["session_id"] == "web-alice-web"
    assert [t["typing"] for t in seen["typing"][:2]] == [True, False]
    [event] = _user_events(careline_stack, "web-alice-web")
    assert event["input_channel"] == "webchat"
    assert event["metadata"]["address"] == "alice-web" and "verified" not in event["metadata"]


def test_a_client_claiming_another_users_session_is_refused(careline_stack):
    victim = "web-victim-web"

    async def run() -> WebClient:
        client = WebClient()
        await client.connect(careline_stack, _token(careline_stack, subject="mallory-web"))
        await client.sio.emit("user_uttered", {"message": "what is my bill", "session_id": victim})
        await client.wait_for("session_refused")
        await asyncio.sleep(0.5)
        return client

    client = asyncio.run(run())
    assert not client.sio.connected
    assert client.of("bot_uttered") == []
    assert _user_events(careline_stack, victim) == []
    assert _user_events(careline_stack, "web-mallory-web") == []


def test_an_anonymous_visitor_keeps_the_server_issued_session_on_reconnect(careline_stack):
    async def run() -> tuple[dict, dict]:
        first = WebClient()
        await first.connect(careline_stack)
        issued = await first.session()
        await first.sio.disconnect()
        second = WebClient()
        await second.connect(careline_stack, issued["session_token"])
        again = await second.session()
        await second.sio.disconnect()
        return issued, again

    issued, again = asyncio.run(run())
    assert issued["anonymous"] and issued["session_id"].startswith("web-anon-")
    assert again["session_id"] == issued["session_id"]
    assert again["session_token"] is None  # nothing new issued: the old session goes on


def test_the_desk_reaches_a_web_chat_customer_outside_a_turn(careline_stack):
    async def run() -> list:
        client = WebClient()
        await client.connect(careline_stack, _token(careline_stack, subject="bob-web"))
        await client.session()
        await client.sio.emit("user_uttered", {"message": "hello"})
        await client.wait_for("bot_uttered")
        before = len(client.of("bot_uttered"))
        reply = await asyncio.to_thread(
            requests.post,
            f"{careline_stack.rasa_url}/conversations/web-bob-web/tracker/events",
            params={"token": careline_stack.token, "output_channel": "latest",
                    "execute_side_effects": "true"},
            json={"event": "bot", "text": "Hi Bob, this is Sam from the team."}, timeout=30)
        reply.raise_for_status()
        messages = await client.wait_for("bot_uttered", count=before + 1)
        await client.sio.disconnect()
        return messages

    messages = asyncio.run(run())
    assert messages[-1]["text"] == "Hi Bob, this is Sam from the team."


def test_the_desk_learns_a_web_chat_customer_has_gone(careline_stack):
    """An emit to an empty room is lost without a word: the desk must not count it."""
    async def run() -> str:
        client = WebClient()
        await client.connect(careline_stack, _token(careline_stack, subject="dora-web"))
        await client.session()
        await client.sio.emit("user_uttered", {"message": "hello"})
        await client.wait_for("bot_uttered")
        await client.sio.disconnect()
        desk = RasaClient(base_url=careline_stack.rasa_url, token=careline_stack.token)
        for _ in range(100):  # the server records the goodbye just after the client's
            try:
                await desk.send_agent_message(conversation_id="web-dora-web",
                                              text="Are you still there?", agent="Sam")
            except RasaError as failure:
                return str(failure)
            await asyncio.sleep(0.1)
        raise AssertionError("every reply passed as delivered to a customer who left")

    assert asyncio.run(run()) == OFFLINE_REASON


def test_a_token_naming_a_customer_joins_their_phone_conversation(careline_stack):
    async def run() -> dict:
        client = WebClient()
        await client.connect(careline_stack,
                             _token(careline_stack, subject="carol-web", customer_id=4242))
        session = await client.session()
        await client.sio.disconnect()
        return session

    session = asyncio.run(run())
    assert session["session_id"] == customer_sender_id(4242) and session["anonymous"] is False
