"""The customer's side of a conversation on each channel, against the real stack.

SMS and WhatsApp: signed Twilio webhooks in, the stand-in's messages out (the real
twilio client reads them). Web chat: a real python-socketio client on the page's socket.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Any, Optional, Protocol

from socketio import packet as socketio_packet

from careline.channels.phone_simulator import PhoneMessage
from careline.channels.apology import APOLOGY
from careline.channels.webchat_tokens import issue_token, webchat_secret
from tests.e2e.stack import CarelineStack
from tests.e2e.test_webchat import WebClient

CODE = re.compile(r"code is (\d{6})")
#: how long the bot may stay silent after its last message before the turn is over
QUIET_SECONDS = 1.5
TURN_TIMEOUT = 60.0


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[str, ...] = ()

    def shown(self) -> str:
        """As a person sees it: the text, then the buttons' titles."""
        return "  ".join([self.text, *(f"[{b}]" for b in self.buttons)])


class Player(Protocol):
    conversation_id: str

    async def say(self, text: str, replies: int) -> list[Reply]: ...

    async def close(self) -> None: ...


class PhonePlayer:
    """A number texting on SMS or WhatsApp."""

    def __init__(self, stack: CarelineStack, channel: str, number: str,
                 conversation_id: str) -> None:
        self.stack = stack
        self.phone = stack.phone(channel, number)
        self.address = number if channel == "sms" else f"{channel}:{number}"
        self.conversation_id = conversation_id

    async def say(self, text: str, replies: int) -> list[Reply]:
        known = {m["sid"] for m in await self.phone.received()}
        result = await self.phone.send(PhoneMessage(text=text))
        assert result.status == 200, (text, result)
        deadline = time.monotonic() + TURN_TIMEOUT
        new: list[dict] = []
        while time.monotonic() < deadline:
            new = await self.phone.wait_for_replies(known=known, timeout=TURN_TIMEOUT,
                                                    quiet=QUIET_SECONDS)
            if len(new) >= replies:
                break
        # in the order sent: Twilio's list is ordered by a date_created of whole seconds
        sids = {m["sid"] for m in new}
        return [Reply(text=m["body"] or "") for m in self.stack.standin_messages(self.address)
                if m["sid"] in sids]

    async def close(self) -> None:
        return None


class WebPlayer:
    """A browser tab's socket: anonymous, or with the token of a customer signed in on the site."""

    def __init__(self, stack: CarelineStack, customer_id: Optional[int], subject: str) -> None:
        self.stack, self.customer_id, self.subject = stack, customer_id, subject
        self.client = WebClient()
        self.conversation_id = ""

    async def open(self) -> None:
        token = None
        if self.customer_id is not None:
            token = issue_token(subject=self.subject, customer_id=self.customer_id,
                                secret=webchat_secret(self.stack.settings))
        await self.client.connect(self.stack, token)
        self.conversation_id = (await self.client.session())["session_id"]

    async def say(self, text: str, replies: int) -> list[Reply]:
        before = len(self.client.of("bot_uttered"))
        await self.client.sio.emit("user_uttered", {"message": text})
        await self.client.wait_for("bot_uttered", count=before + replies, timeout=TURN_TIMEOUT)
        seen = len(self.client.of("bot_uttered"))
        while True:  # until the bot has been quiet for a moment
            await asyncio.sleep(QUIET_SECONDS)
            now = len(self.client.of("bot_uttered"))
            if now == seen:
                break
            seen = now
        return [_web_reply(data) for data in self.client.of("bot_uttered")[before:]]

    async def close(self) -> None:
        # say goodbye, then drop the socket without waiting out the open long poll (~30 s)
        for namespace in self.client.sio.namespaces:
            await self.client.sio._send_packet(self.client.sio.packet_class(
                socketio_packet.DISCONNECT, namespace=namespace))
        await self.client.sio.eio.disconnect(abort=True)


def _web_reply(data: Any) -> Reply:
    buttons = tuple(b.get("title", "") for b in (data.get("quick_replies") or []))
    return Reply(text=data.get("text") or "", buttons=buttons)


def texts_so_far(stack: CarelineStack, number: str) -> int:
    return len(stack.standin_messages(number))


async def latest_code(stack: CarelineStack, number: str, since: int) -> Optional[str]:
    """The newest one-time code texted to ``number`` (always by SMS, whatever the channel)
    after its first ``since`` messages; None if none comes within the turn's timeout."""
    deadline = time.monotonic() + TURN_TIMEOUT
    while time.monotonic() < deadline:
        codes = [found.group(1) for m in stack.standin_messages(number)[since:]
                 if (found := CODE.search(m.get("body") or ""))]
        if codes:
            return codes[-1]
        await asyncio.sleep(0.25)
    return None


def is_apology(replies: list[Reply]) -> bool:
    return any(APOLOGY in r.text for r in replies)
