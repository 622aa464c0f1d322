"""A web chat customer leaves while an agent holds their ticket: the desk says so.

The reply is shown as not delivered ("customer offline"), never as delivered, and the
agent can still resolve the ticket (there is nobody to say goodbye to); the closing
line is marked as not delivered too.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from urllib.parse import unquote

import aiohttp
import pytest

from careline.db.session import get_engine
from careline.desk.agents import AgentService
from careline.desk.service import DeskService
from careline.webchat.rooms import OFFLINE_REASON
from tests.e2e.stack import CarelineStack
from tests.e2e.test_webchat import WebClient, _token

pytestmark = pytest.mark.slow


async def _ticket_for(desk: DeskService, conversation_id: str, timeout: float = 90.0) -> int:
    """The handoff reaches the desk through the outbox worker, after the bot's answer."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        queue = await asyncio.to_thread(desk.queue)
        found = [e.ticket_id for e in queue if e.conversation_id == conversation_id]
        if found:
            return found[0]
        await asyncio.sleep(0.5)
    raise AssertionError(f"no desk ticket for {conversation_id}")


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


async def _signed_in(http: aiohttp.ClientSession, desk_url: str, username: str,
                     password: str) -> str:
    async with http.get(f"{desk_url}/login") as page:
        token = _csrf(await page.text())
    async with http.post(f"{desk_url}/login", allow_redirects=False, data={
            "username": username, "password": password, "csrf_token": token}) as answer:
        assert answer.status == 303, await answer.text()
    async with http.get(f"{desk_url}/") as queue:
        return _csrf(await queue.text())


async def _post(http: aiohttp.ClientSession, url: str, data: dict[str, str]) -> str:
    """The form's redirect target, decoded (an error is in its query)."""
    async with http.post(url, data=data, allow_redirects=False) as answer:
        assert answer.status == 303, await answer.text()
        return unquote(answer.headers["Location"])


def test_a_reply_to_a_customer_who_left_is_not_delivered_and_the_ticket_still_closes(
        careline_stack: CarelineStack):
    stack = careline_stack
    subject = f"erin-{secrets.token_hex(4)}"
    sender = f"web-{subject}"
    engine = get_engine(stack.database_url)
    desk = DeskService(engine)
    username, password = f"agent-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    AgentService(engine).create_agent(username=username, password=password,
                                      display_name="Erin's Agent")
    desk_url = f"http://127.0.0.1:{stack.settings.desk_port}"

    async def run() -> tuple[int, str, str]:
        customer = WebClient()
        await customer.connect(stack, _token(stack, subject=subject))
        await customer.session()
        await customer.sio.emit("user_uttered", {"message": "hello"})
        await customer.wait_for("bot_uttered")
        await customer.sio.emit("user_uttered",
                                {"message": "I want to talk to a real person please"})
        ticket_id = await _ticket_for(desk, sender)
        await customer.sio.disconnect()
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            csrf = await _signed_in(http, desk_url, username, password)
            base = f"{desk_url}/tickets/{ticket_id}"
            await _post(http, f"{base}/claim", {"csrf_token": csrf})
            replied = ""
            for _ in range(100):  # the server records the goodbye just after the client's
                replied = await _post(http, f"{base}/reply",
                                      {"csrf_token": csrf, "text": "Are you still there?"})
                if OFFLINE_REASON in replied:
                    break
                await asyncio.sleep(0.1)
            resolved = await _post(http, f"{base}/resolve", {
                "csrf_token": csrf, "closing_text": "Closing this for now.",
                "confirm_unanswered": "yes"})
        return ticket_id, replied, resolved

    ticket_id, replied, resolved = asyncio.run(run())
    assert f"Reply not delivered: {OFFLINE_REASON}" in replied
    assert resolved == "/" and desk.detail(ticket_id=ticket_id).entry.status == "resolved"
    lines = {m.text: m for m in desk.messages_after(ticket_id=ticket_id, after_id=0)}
    assert lines["Are you still there?"].delivery == "failed"
    assert lines["Are you still there?"].error == OFFLINE_REASON
    assert lines["Closing this for now."].delivery == "failed"
    assert lines["Closing this for now."].error == OFFLINE_REASON
