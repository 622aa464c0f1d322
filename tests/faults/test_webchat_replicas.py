"""Web chat across two replicas: a desk reply or a notice reaches the customer's socket
whichever replica Rasa's HTTP API call lands on, and fails as "customer offline" on
every replica once the customer has gone.

The customer connects through nginx's public edge (sticky to one replica); the desk
and proactive delivery are called on each replica's own port in turn, so one of the
two calls always arrives on the replica that does not hold the socket.
"""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest

from careline.channels.webchat_tokens import issue_token, webchat_secret
from careline.proactive.delivery import NOTICE_INTENT
from careline.rasa_client import CustomerNotConnected, RasaClient
from careline.settings import Settings
from careline.webchat.rooms import OFFLINE_REASON, RedisRooms
from tests.e2e.test_webchat import WebClient

from .conftest import FaultStack

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(900)]


class Customer(WebClient):
    """The web chat's recording socket.io client, connected through nginx's public edge."""

    def texts(self) -> list[str]:
        return [d.get("text", "") for e, d in self.events if e == "bot_uttered"]

    async def wait_for_text(self, text: str, timeout: float = 60.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in self.texts():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{text!r} never arrived; got {self.events}")
            await asyncio.sleep(0.1)


def _replicas(stack: FaultStack) -> list[str]:
    return [f"http://{stack.plan.internal_host}:{port}" for port in stack.plan.rasa_ports]


def _entities(text: str) -> dict[str, str]:
    return {"outage_incident": "INC-webchat", "outage_status": "opened",
            "outage_area": "M1", "outage_notice": text}


async def _tracker_texts(base_url: str, token: str, sender: str) -> list[str]:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base_url}/conversations/{sender}/tracker",
                            params={"token": token}) as response:
            events = (await response.json())["events"]
    return [e.get("text") or "" for e in events if e["event"] == "bot"]


async def test_a_desk_reply_and_a_notice_reach_the_customer_from_either_replica(
        stack: FaultStack) -> None:
    subject = f"web-{uuid.uuid4().hex[:8]}"
    sender = f"web-{subject}"
    token = issue_token(subject=subject, secret=webchat_secret(Settings(
        data_dir=stack.plan.data_dir)))
    customer = Customer()
    # long polling: python-engineio's websocket client needs a newer aiohttp than Rasa pins
    await customer.sio.connect(stack.plan.url, transports=["polling"], auth={"token": token},
                               wait_timeout=30)
    try:
        await customer.sio.emit("user_uttered", {"message": "hello"})
        for _ in range(600):  # the conversation's latest channel is now web chat
            if customer.texts():
                break
            await asyncio.sleep(0.1)
        assert customer.texts(), customer.events
        for i, base_url in enumerate(_replicas(stack)):
            desk = RasaClient(base_url=base_url, token=stack.plan.token)
            await desk.send_agent_message(conversation_id=sender, agent="Sam",
                                          text=f"Desk reply through replica {i}")
            await customer.wait_for_text(f"Desk reply through replica {i}")
            try:
                await desk.trigger_intent(conversation_id=sender, intent=NOTICE_INTENT,
                                          output_channel="webchat",
                                          entities=_entities(f"Outage notice via {i}"))
            finally:
                await desk.close()
            await customer.wait_for_text(f"Outage notice via {i}")
    finally:
        await customer.sio.disconnect()


async def test_a_customer_who_left_is_reported_offline_by_every_replica(
        stack: FaultStack) -> None:
    subject = f"web-{uuid.uuid4().hex[:8]}"
    sender = f"web-{subject}"
    token = issue_token(subject=subject, secret=webchat_secret(Settings(
        data_dir=stack.plan.data_dir)))
    rooms = RedisRooms(stack.redis.url, prefix=stack.plan.lock_key_prefix)
    customer = Customer()
    try:
        await customer.sio.connect(stack.plan.url, transports=["polling"],
                                   auth={"token": token}, wait_timeout=30)
        await customer.sio.emit("user_uttered", {"message": "hello"})
        for _ in range(600):
            if customer.texts():
                break
            await asyncio.sleep(0.1)
        assert await rooms.is_live(sender)
        await customer.sio.disconnect()
        for _ in range(300):  # the replica holding the socket records the goodbye
            if not await rooms.is_live(sender):
                break
            await asyncio.sleep(0.1)
        assert not await rooms.is_live(sender)
    finally:
        await rooms.close()

    for i, base_url in enumerate(_replicas(stack)):
        rasa = RasaClient(base_url=base_url, token=stack.plan.token)
        try:
            with pytest.raises(CustomerNotConnected, match=OFFLINE_REASON):
                await rasa.send_agent_message(conversation_id=sender, agent="Sam",
                                              text=f"Anyone there? ({i})")
            with pytest.raises(CustomerNotConnected, match=OFFLINE_REASON):
                await rasa.trigger_intent(conversation_id=sender, intent=NOTICE_INTENT,
                                          output_channel="webchat",
                                          entities=_entities(f"Unseen notice {i}"))
        finally:
            await rasa.close()
    said = await _tracker_texts(_replicas(stack)[0], stack.plan.token, sender)
    assert not [t for t in said if "Anyone there?" in t or "Unseen notice" in t]
