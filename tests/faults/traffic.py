"""Customers talking to `careline up` at once: REST callers, SMS and WhatsApp phones.

Each customer says its texts in turn and waits for each answer; all customers at once.
``stagger`` starts customer ``i`` ``start + i * stagger`` seconds late, so work reaches a
background process (the handoff worker) over a span a kill can land inside.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import aiohttp

from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.channels.apology import APOLOGY
from tests.e2e.customers import random_mobile

from .up_stack import UpStack

Exchange = tuple[str, str, int, list[str]]  # who, what, HTTP status, the replies


def phones(up: UpStack, *, sms: int, whatsapp: int) -> list[Phone]:
    """New numbers nobody has: ``sms`` SMS phones and ``whatsapp`` WhatsApp ones."""
    return [Phone(settings=up.twilio, channel=channel, number=random_mobile())
            for channel in ("sms",) * sms + ("whatsapp",) * whatsapp]


def rest_senders(count: int) -> list[str]:
    return [f"up-{uuid.uuid4().hex[:8]}" for _ in range(count)]


async def say(session: aiohttp.ClientSession, up: UpStack, sender: str,
              message: str) -> Exchange:
    async with session.post(f"{up.api_url}/webhooks/rest/webhook",
                            json={"sender": sender, "message": message},
                            headers={"Authorization": f"Bearer {up.rest_token}"},
                            timeout=aiohttp.ClientTimeout(total=180)) as reply:
        body = await reply.json(content_type=None) if reply.status == 200 else []
        return sender, message, reply.status, [m.get("text", "") for m in body]


async def talking(up: UpStack, senders: list[str], texts: list[str], *,
                  stagger: float = 0.0, start: float = 0.0) -> list[Exchange]:
    """Each REST customer says each text in turn; all customers at once."""
    results: list[Exchange] = []
    async with aiohttp.ClientSession() as session:
        async def one(index: int, sender: str) -> None:
            await asyncio.sleep(start + index * stagger)
            for message in texts:
                results.append(await say(session, up, sender, message))
                await asyncio.sleep(0.3)
        await asyncio.gather(*(one(i, sender) for i, sender in enumerate(senders)))
    return results


async def texting(phones: list[Phone], texts: list[str], refused: list[int], *,
                  stagger: float = 0.0, start: float = 0.0) -> list[Exchange]:
    """Each phone texts each text and waits for its replies; all phones at once.

    A webhook answered 5xx (the gateway is down: nginx says 502) is sent again with the
    same MessageSid, as Twilio does when the webhook's retry settings ask for it; each
    such answer is noted in ``refused``.
    """
    results: list[Exchange] = []

    async def one(index: int, phone: Phone) -> None:
        await asyncio.sleep(start + index * stagger)
        known: set[str] = set()
        for message in texts:
            sid = "SM" + uuid.uuid4().hex
            deadline = time.monotonic() + 300
            status = (await phone.send(PhoneMessage(text=message, message_sid=sid))).status
            while status >= 500 and time.monotonic() < deadline:
                refused.append(status)
                await asyncio.sleep(1.0)
                status = (await phone.send(PhoneMessage(text=message, message_sid=sid))).status
            replies = await phone.wait_for_replies(known=known, timeout=180, quiet=1.5)
            known |= {m["sid"] for m in replies}
            results.append((phone.number, message, status, [m["body"] for m in replies]))

    await asyncio.gather(*(one(i, phone) for i, phone in enumerate(phones)))
    return results


def lost(exchanges: list[Exchange]) -> list[Exchange]:
    """Messages without their answer: refused, unanswered, or only apologised for."""
    return [e for e in exchanges
            if e[2] != 200 or not [reply for reply in e[3] if reply and reply != APOLOGY]]
