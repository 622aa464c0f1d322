"""Web chat customers talking to `careline up` at once, as the page's widget does.

Each customer keeps every message it sent until the server says ``message_done`` for its
id, and sends it again (same id) after each reconnect and every ``RESEND_SECONDS``: the
server runs a message's turn once, and takes over a turn whose replica died once its
journal lease has run out (careline/webchat/journal.py). The socket.io client reconnects
by itself when its replica is killed; nginx then sends it to the other one.

What counts is read where it is recorded: a message is answered when its
``message_done`` came with a reply that is not the apology and its journal key is in
the conversation's tracker; it was answered twice when that key is in more than one
user event of the tracker. A message whose turn was taken over from a dead replica has
its journal row's ``redrives`` counted.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

import aiohttp
import socketio
from sqlalchemy import text

from careline.channels.apology import APOLOGY
from careline.channels.webchat_tokens import issue_token
from careline.webchat.journal import journal_key

from .records import database
from .up_stack import UpStack

#: How often a message without its ``message_done`` is sent again (the widget's pace).
RESEND_SECONDS = 5.0
#: How long a customer waits for one message's ``message_done``.
ANSWER_WITHIN_SECONDS = 300.0


@dataclass
class Sent:
    message_id: str
    text: str
    done: int = 0  # message_done events received for it
    replies: list[str] = field(default_factory=list)


class WebChatCustomer:
    """One tab of the web chat: a signed-in visitor (``subject``) or an anonymous one."""

    def __init__(self, up: UpStack, subject: Optional[str]) -> None:
        self.url = up.public_url
        self.token = (issue_token(subject=subject, secret=up.env["CARELINE_WEBCHAT_SECRET"])
                      if subject else None)  # an anonymous one keeps the token it is given
        self.sender_id = f"web-{subject}" if subject else ""
        self.sent: list[Sent] = []
        self.connects = 0
        self.resends = 0
        self.sio = socketio.AsyncClient(reconnection=True, reconnection_delay=0.5,
                                        reconnection_delay_max=2.0)
        self.sio.on("connect", self._connected)
        self.sio.on("session_confirm", self._confirmed)
        self.sio.on("bot_uttered", self._uttered)
        self.sio.on("message_done", self._done)
        self._confirm = asyncio.Event()

    def _auth(self) -> dict[str, str]:
        return {"token": self.token} if self.token else {}

    async def connect(self) -> None:
        # long polling: python-engineio's websocket client needs a newer aiohttp than Rasa pins
        await self.sio.connect(self.url, transports=["polling"], auth=self._auth,
                               wait_timeout=30)
        await asyncio.wait_for(self._confirm.wait(), 60)

    async def close(self) -> None:
        await self.sio.disconnect()

    async def _connected(self) -> None:
        self.connects += 1
        await self._emit("session_request", {})
        for message in self._pending():  # after a reconnect: what the dead replica held
            await self._send(message)

    async def _confirmed(self, data: dict[str, Any]) -> None:
        self.sender_id = data["session_id"]
        if data.get("session_token"):  # an anonymous visitor's own conversation
            self.token = data["session_token"]
        self._confirm.set()

    async def _uttered(self, data: dict[str, Any]) -> None:
        if self.sent:  # one message at a time: the replies are the latest one's
            self.sent[-1].replies.append(data.get("text") or "")

    async def _done(self, data: dict[str, Any]) -> None:
        for message in self.sent:
            if message.message_id == data.get("message_id"):
                message.done += 1

    def _pending(self) -> list[Sent]:
        return [message for message in self.sent if not message.done]

    async def _send(self, message: Sent) -> None:
        await self._emit("user_uttered", {"message": message.text,
                                          "message_id": message.message_id})

    async def _emit(self, event: str, data: dict[str, Any]) -> None:
        try:
            await self.sio.emit(event, data)
        except socketio.exceptions.SocketIOError:
            pass  # disconnected: sent again once reconnected

    async def say(self, words: str) -> None:
        """Send ``words`` and wait for their ``message_done``, sending them again meanwhile."""
        message = Sent(uuid.uuid4().hex, words)
        self.sent.append(message)
        await self._send(message)
        deadline = time.monotonic() + ANSWER_WITHIN_SECONDS
        resend_at = time.monotonic() + RESEND_SECONDS
        while not message.done and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if time.monotonic() >= resend_at and not message.done:
                resend_at = time.monotonic() + RESEND_SECONDS
                self.resends += 1
                await self._send(message)
        await asyncio.sleep(0.5)  # a reply emitted just before the done may still be on its way

    def keys(self, *, unanswered: bool = False) -> list[str]:
        """The journal keys of the messages sent so far (``unanswered``: of those with no
        reply and no ``message_done`` yet)."""
        return [journal_key(sender_id=self.sender_id, message_id=message.message_id)
                for message in list(self.sent)
                if not unanswered or not (message.replies or message.done)]


def webchat_customers(up: UpStack, count: int) -> list[WebChatCustomer]:
    """``count`` new web chat visitors; the last one anonymous."""
    return [WebChatCustomer(up, f"up-{uuid.uuid4().hex[:8]}" if i < count - 1 else None)
            for i in range(count)]


async def chatting(customers: list[WebChatCustomer], texts: list[str], *,
                   stagger: float = 0.0, start: float = 0.0) -> None:
    """Each connected customer says each text in turn and waits for it to be done."""
    async def one(index: int, customer: WebChatCustomer) -> None:
        await asyncio.sleep(start + index * stagger)
        for words in texts:
            await customer.say(words)
            await asyncio.sleep(0.3)

    await asyncio.gather(*(one(i, customer) for i, customer in enumerate(customers)))


def running_turns(up: UpStack, customers: list[WebChatCustomer]) -> int:
    """How many of the customers' messages have their turn running and nothing said back
    yet: journalled ``received``, no reply. (A process killed after a turn's replies but
    before its answered mark runs the turn again: the journal's known window, which a kill
    at this moment stays out of.)"""
    keys = [key for customer in customers for key in customer.keys(unanswered=True)]
    return len(_journal(up, keys, "state = 'received'"))


def _journal(up: UpStack, keys: list[str], where: str) -> list[str]:
    with database(up) as db:
        rows = db.execute(text("SELECT message_sid FROM channel_inbound_messages "
                               f"WHERE message_sid = ANY(:keys) AND {where}"), {"keys": keys})
        return [key for key, in rows]


@dataclass
class WebChatTally:
    sent: int
    answered: int
    twice: list[str]  # journal keys in more than one user event of their tracker
    lost: list[tuple[str, str, int, list[str]]]  # who, what, message_done count, replies
    taken_over: int  # messages whose turn was taken over from a process that died
    reconnects: int
    resends: int  # sent again while waiting, besides after each reconnect

    def __str__(self) -> str:
        return (f"web chat: {self.sent} messages sent, {self.answered} answered, "
                f"{len(self.twice)} answered twice, {len(self.lost)} lost "
                f"({self.taken_over} taken over, {self.reconnects} reconnects, "
                f"{self.resends} resends)")


async def tally(up: UpStack, customers: list[WebChatCustomer]) -> WebChatTally:
    """Each customer's messages against its conversation's tracker."""
    sent = answered = 0
    twice: list[str] = []
    lost: list[tuple[str, str, int, list[str]]] = []
    async with aiohttp.ClientSession() as http:
        for customer in customers:
            recorded = await _user_message_ids(http, up, customer.sender_id)
            for message in customer.sent:
                key = journal_key(sender_id=customer.sender_id, message_id=message.message_id)
                sent += 1
                if recorded.count(key) > 1:
                    twice.append(key)
                real = [reply for reply in message.replies if reply and reply != APOLOGY]
                if message.done and real and key in recorded:
                    answered += 1
                else:
                    lost.append((customer.sender_id, message.text, message.done,
                                 message.replies))
    keys = [key for customer in customers for key in customer.keys()]
    taken_over = await asyncio.to_thread(_journal, up, keys, "redrives > 0")
    return WebChatTally(sent, answered, twice, lost, len(taken_over),
                        sum(max(c.connects - 1, 0) for c in customers),
                        sum(c.resends for c in customers))


async def _user_message_ids(http: aiohttp.ClientSession, up: UpStack,
                            sender_id: str) -> list[str]:
    async with http.get(f"{up.api_url}/conversations/{sender_id}/tracker",
                        params={"token": up.env["CARELINE_RASA_TOKEN"],
                                "include_events": "ALL"},
                        timeout=aiohttp.ClientTimeout(total=60)) as reply:
        reply.raise_for_status()
        events = (await reply.json())["events"]
    return [event.get("message_id") or "" for event in events if event["event"] == "user"]


async def sticky_replica(up: UpStack) -> str:
    """The Rasa replica (``rasa-0`` or ``rasa-1``) nginx sends this machine's web chat to.

    An engine.io session opened through the public edge is known only to the replica that
    opened it: closing it there is answered 200, on the other one 400.
    """
    query = {"EIO": "4", "transport": "polling"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{up.public_url}/socket.io/", params=query) as opened:
            opened.raise_for_status()
            sid = json.loads((await opened.text())[1:])["sid"]
        holders = []
        for index, port in enumerate(up.rasa_ports):
            async with http.post(f"http://127.0.0.1:{port}/socket.io/",
                                 params={**query, "sid": sid}, data="1") as closed:
                if closed.status == 200:
                    holders.append(f"rasa-{index}")
    assert len(holders) == 1, f"engine.io session {sid} held by {holders}"
    return holders[0]
