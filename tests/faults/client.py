"""A REST customer and a tracker reader for the fault tests (through nginx's internal API
port: neither is served on the public edge)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from careline.channels.rest import rest_token
from careline.deploy.stack import StackPlan
from careline.settings import Settings


def rest_token_of(plan: StackPlan) -> str:
    """The REST channel's token the stack's replicas read (their data dir's local one)."""
    token = rest_token(Settings(data_dir=plan.data_dir))
    assert token is not None, "the REST channel is off"
    return token


async def say(session: aiohttp.ClientSession, plan: StackPlan, sender: str,
              text: str) -> tuple[int, list[dict[str, Any]]]:
    async with session.post(f"{plan.api_url}/webhooks/rest/webhook",
                            json={"sender": sender, "message": text},
                            headers={"Authorization": f"Bearer {rest_token_of(plan)}"},
                            timeout=aiohttp.ClientTimeout(total=120)) as response:
        body = await response.json(content_type=None) if response.status == 200 else []
        return response.status, body


async def tracker_events(session: aiohttp.ClientSession, plan: StackPlan,
                         sender: str) -> list[dict[str, Any]]:
    # the REST channel keys its conversations rest:<sender>
    async with session.get(f"{plan.api_url}/conversations/rest:{sender}/tracker",
                           params={"token": plan.token, "include_events": "ALL"}) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["events"]


def user_texts(events: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for e in events if e["event"] == "user"]


async def converse(plan: StackPlan, senders: list[str], texts: list[str],
                   think: float = 0.05) -> list[tuple[str, str, int, list]]:
    """Each sender says each text in turn; all senders at once."""
    results: list[tuple[str, str, int, list]] = []
    async with aiohttp.ClientSession() as session:
        async def one(sender: str) -> None:
            for text in texts:
                status, body = await say(session, plan, sender, text)
                results.append((sender, text, status, body))
                await asyncio.sleep(think)
        await asyncio.gather(*(one(sender) for sender in senders))
    return results
