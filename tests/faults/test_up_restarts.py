"""`careline up --replicas 2` under the production profile keeps itself running.

A Rasa replica, an action server and one of the two Twilio gateways are SIGKILLed in
turn while customers talk over SMS (signed Twilio webhooks through nginx) and REST; each
is restarted by the supervisor, answers its health check again, and every message sent
gets its answer; with a gateway down nginx passes the webhooks to the other, so Twilio
is never refused. The insight consumer drains the queue Rasa publishes to. Tests run in
file order on one stack (see up_stack.py).
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
import uuid
from pathlib import Path
from typing import Iterator

import aio_pika
import aiohttp
import pytest
from sqlalchemy import create_engine, text

from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.channels.twilio_turns import APOLOGY
from careline.deploy.stack import LOCAL_EVENT_BROKER_URL
from tests.e2e.customers import random_mobile

from .up_stack import UpStack, answers, run_up, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(2400)]

#: What each customer says in a round: greetings and the actions behind them.
TEXTS = ["hello", "what can you do", "is there an outage near me", "thanks, bye"]
#: Children that must come back; each is killed once, in this order.
KILLED = ["rasa-1", "actions-0", "gateway-0"]
#: Every supervised child of the stack.
CHILDREN = ("rasa-0", "rasa-1", "actions-0", "actions-1", "gateway-0", "gateway-1", "insight")

Exchange = tuple[str, str, int, list[str]]  # who, what, HTTP status, the replies


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpStack]:
    yield from run_up(tmp_path_factory.mktemp("up"))


async def _say(session: aiohttp.ClientSession, up: UpStack, sender: str,
               message: str) -> Exchange:
    async with session.post(f"{up.api_url}/webhooks/rest/webhook",
                            json={"sender": sender, "message": message},
                            headers={"Authorization": f"Bearer {up.rest_token}"},
                            timeout=aiohttp.ClientTimeout(total=180)) as reply:
        body = await reply.json(content_type=None) if reply.status == 200 else []
        return sender, message, reply.status, [m.get("text", "") for m in body]


async def _talking(up: UpStack, senders: list[str]) -> list[Exchange]:
    """Each REST customer says each text in turn; all customers at once."""
    results: list[Exchange] = []
    async with aiohttp.ClientSession() as session:
        async def one(sender: str) -> None:
            for message in TEXTS:
                results.append(await _say(session, up, sender, message))
                await asyncio.sleep(0.3)
        await asyncio.gather(*(one(sender) for sender in senders))
    return results


async def _texting(phones: list[Phone], refused: list[int]) -> list[Exchange]:
    """Each phone texts each text and waits for its replies; all phones at once.

    A webhook answered 5xx (the gateway is down: nginx says 502) is sent again with the
    same MessageSid, as Twilio does when the webhook's retry settings ask for it; each
    such answer is noted in ``refused``.
    """
    results: list[Exchange] = []

    async def one(phone: Phone) -> None:
        known: set[str] = set()
        for message in TEXTS:
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

    await asyncio.gather(*(one(phone) for phone in phones))
    return results


def _lost(exchanges: list[Exchange]) -> list[Exchange]:
    """Messages without their answer: refused, unanswered, or only apologised for."""
    return [e for e in exchanges
            if e[2] != 200 or not [reply for reply in e[3] if reply and reply != APOLOGY]]


async def _conversations(up: UpStack, *, kill: str | None = None, kill_first: bool = False,
                         refused: list[int] | None = None) -> tuple[list[Exchange], int]:
    """Four REST customers and three SMS customers talk; ``kill`` dies one second in (or,
    with ``kill_first``, before the first text). Returns the exchanges and the killed pid;
    webhooks answered 5xx go to ``refused``."""
    senders = [f"up-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    phones = [Phone(settings=up.twilio, channel="sms", number=random_mobile())
              for _ in range(3)]
    first = up.kill(kill) if kill and kill_first else 0
    if first:  # the texts meet it down, not dying (a webhook in a dying process's accept
        # queue is reset after it was sent: nginx must not retry that, Twilio may)
        wait_until(lambda: not _accepting(up.port_of(kill)), f"{kill}'s port closed",
                   within=60, stack=up)

    async def kill_soon() -> int:
        await asyncio.sleep(1.0)
        return up.kill(kill) if kill and not kill_first else first

    rest, sms, pid = await asyncio.gather(
        _talking(up, senders), _texting(phones, [] if refused is None else refused),
        kill_soon())
    return rest + sms, pid


def _accepting(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _restarted(up: UpStack, name: str, killed: int) -> bool:
    """A new ``name`` answers its health check."""
    try:
        return up.child_pid(name) != killed and answers(up.health_url(name))
    except LookupError:  # dead, waiting for its restart
        return False


async def _queue_depth(name: str) -> int:
    connection = await aio_pika.connect(LOCAL_EVENT_BROKER_URL)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        return queue.declaration_result.message_count


def _contact_rows(up: UpStack, sender_id: str) -> int:
    engine = create_engine(up.env["CARELINE_DATABASE_URL"], future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM insight_contacts "
                                           "WHERE sender_id = :s"), {"s": sender_id}).scalar()
    finally:
        engine.dispose()


def test_the_stack_runs_the_production_profile_and_says_so(up: UpStack) -> None:
    for name in CHILDREN:
        assert answers(up.health_url(name)), name
    # production sends to Twilio, so `careline up` started no stand-in of its own
    assert not (Path(up.data_dir) / "up" / "logs" / "twilio-standin.log").exists()


def test_the_insight_consumer_drains_the_events_queue(up: UpStack) -> None:
    sender = f"insight-{uuid.uuid4().hex[:8]}"

    async def converse() -> list[Exchange]:
        async with aiohttp.ClientSession() as session:
            return [await _say(session, up, sender, message)
                    for message in ("hello", "what can you do")]

    assert _lost(asyncio.run(converse())) == []
    # the turns' events reach the analytics store through the queue Rasa publishes to ...
    wait_until(lambda: _contact_rows(up, f"rest:{sender}") == 1,
               "the conversation in insight_contacts", within=120, stack=up)
    # ... which is left empty, not growing
    wait_until(lambda: asyncio.run(_queue_depth(up.event_queue)) == 0,
               f"an empty {up.event_queue}", within=120, stack=up)


@pytest.mark.parametrize("name", KILLED)
async def test_a_killed_child_is_restarted_and_every_message_answered(
    up: UpStack, name: str,
) -> None:
    refused: list[int] = []
    gateway = name.startswith("gateway")
    exchanges, killed = await _conversations(up, kill=name, kill_first=gateway,
                                             refused=refused)
    assert len(exchanges) == 7 * len(TEXTS)
    assert _lost(exchanges) == [], f"{name} killed: unanswered {_lost(exchanges)}"
    if gateway:  # killed before the first text (restart >= 1 s later): the other took them
        assert refused == [], refused

    wait_until(lambda: _restarted(up, name, killed), f"{name} restarted and healthy",
               within=900, stack=up)
    assert f"{name} killed by SIGKILL; restarting in 1s (failure 1 in a row)" in up.said()
    assert f"{name} restarted (restart 1" in up.said()
    assert "supervisor: killed by SIGKILL" in up.log(name)
    if name.startswith("rasa"):  # the restarted replica itself serves turns again
        replica = f"http://127.0.0.1:{up.port_of(name)}/webhooks/rest/webhook"
        async with aiohttp.ClientSession() as session:
            async with session.post(replica, json={"sender": f"direct-{uuid.uuid4().hex[:6]}",
                                                   "message": "hello"},
                                    headers={"Authorization": f"Bearer {up.rest_token}"},
                                    timeout=aiohttp.ClientTimeout(total=180)) as reply:
                assert reply.status == 200 and await reply.json()

    after, _ = await _conversations(up)
    assert _lost(after) == [], f"after {name}'s restart: unanswered {_lost(after)}"


def test_only_the_killed_children_were_restarted(up: UpStack) -> None:
    said = up.said()
    print("\n".join(line for line in said.splitlines() if "careline.supervisor" in line))
    for name in (*CHILDREN, "desk", "handoff-worker", "incidents", "nginx"):
        restarts = len(re.findall(rf"(?<![\w-]){name} restarted \(restart ", said))
        assert restarts == (1 if name in KILLED else 0), (name, restarts)
    assert up.process.poll() is None  # the stack itself never stopped
