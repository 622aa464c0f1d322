"""`careline up --replicas 2` under the production profile keeps itself running.

A Rasa replica (the one holding the web chat's sockets), an action server and one of the
two Twilio gateways are SIGKILLed in turn while customers talk over SMS and WhatsApp
(signed Twilio webhooks through nginx), web chat (socket.io through nginx) and REST; each
is restarted by the supervisor, answers its health check again, and every message sent
gets its answer, a web chat message once; with a gateway down nginx passes the webhooks
to the other, so Twilio is never refused. The handoff worker is SIGKILLed while customers
ask for a person, and the notice sender (the incidents API) halfway through an outage's
notices: each handoff reaches the desk once and each customer gets one notice. The
insight consumer drains the queue Rasa publishes to. Tests run in file order on one
stack (see up_stack.py).
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional

import aio_pika
import aiohttp
import pytest
from sqlalchemy import text

from careline.deploy.stack import LOCAL_EVENT_BROKER_URL

from .records import (database, notice_statuses, outbox_since, seed_area, texts_to,
                      tickets_by_conversation)
from .traffic import Exchange, lost, phones, rest_senders, say, talking, texting
from .up_stack import UpStack, answers, run_up, wait_until
from .webchat_traffic import (WebChatCustomer, WebChatTally, chatting, running_turns,
                              sticky_replica, tally, webchat_customers)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(2400)]

#: What each customer says in a round: greetings and the actions behind them.
TEXTS = ["hello", "what can you do", "is there an outage near me", "thanks, bye"]
#: What a customer says to be handed to a person.
ASKING_FOR_A_PERSON = ["hello", "I want to talk to a real person please"]
#: Children killed under conversations, once each, in this order; "rasa" is the replica
#: nginx sends the web chat to (the ``webchat_replica`` fixture says which).
KILLED = ["rasa", "actions-0", "gateway-0"]
#: Background workers killed mid-work; they must come back too.
WORKERS = ("handoff-worker", "incidents")
#: Every supervised child of the stack.
CHILDREN = ("rasa-0", "rasa-1", "actions-0", "actions-1", "gateway-0", "gateway-1", "insight")
#: Customers of one outage: at Twilio's 10 sends a second, three seconds of sending.
NOTICE_CUSTOMERS = 30


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpStack]:
    yield from run_up(tmp_path_factory.mktemp("up"))


@pytest.fixture(scope="module")
def webchat_replica(up: UpStack) -> str:
    """The Rasa replica holding the web chat's sockets: all of them, as every customer
    here comes from 127.0.0.1 and nginx keeps web chat on one replica per address."""
    return asyncio.run(sticky_replica(up))


def _child(name: str, webchat_replica: str) -> str:
    return webchat_replica if name == "rasa" else name


async def _conversations(up: UpStack, *, kill: str | None = None, kill_first: bool = False,
                         refused: list[int] | None = None
                         ) -> tuple[list[Exchange], WebChatTally, int]:
    """Four REST customers, two SMS, two WhatsApp and three web chat customers talk;
    ``kill`` dies one second in (or, with ``kill_first``, before the first text; a Rasa
    replica as soon as a web chat turn runs on it). Returns the exchanges, the web chat's
    tally and the killed pid; webhooks answered 5xx go to ``refused``."""
    senders, texters = rest_senders(4), phones(up, sms=2, whatsapp=2)
    web = await _connected(webchat_customers(up, 3))
    first = up.kill(kill) if kill and kill_first else 0
    if first:  # the texts meet it down, not dying (a webhook in a dying process's accept
        # queue is reset after it was sent: nginx must not retry that, Twilio may)
        wait_until(lambda: not _accepting(up.port_of(kill)), f"{kill}'s port closed",
                   within=60, stack=up)

    async def kill_soon() -> int:
        if kill and kill.startswith("rasa"):  # all the web chat's turns run on it
            return await _kill_when(up, kill, lambda: running_turns(up, web) > 0)
        await asyncio.sleep(1.0)
        return up.kill(kill) if kill and not kill_first else first

    try:
        rest, sms, _, pid = await asyncio.gather(
            talking(up, senders, TEXTS),
            texting(texters, TEXTS, [] if refused is None else refused),
            chatting(web, TEXTS), kill_soon())
    finally:
        await asyncio.gather(*(customer.close() for customer in web))
    return rest + sms, await tally(up, web), pid


async def _connected(customers: list[WebChatCustomer]) -> list[WebChatCustomer]:
    await asyncio.gather(*(customer.connect() for customer in customers))
    return customers


def _report(when: str, exchanges: list[Exchange], web: WebChatTally) -> None:
    print(f"\n{when}: REST, SMS and WhatsApp: {len(exchanges)} messages sent, "
          f"{len(exchanges) - len(lost(exchanges))} answered, {len(lost(exchanges))} lost; "
          f"{web}")


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
    with database(up) as db:
        return db.execute(text("SELECT count(*) FROM insight_contacts "
                               "WHERE sender_id = :s"), {"s": sender_id}).scalar()


async def _kill_when(up: UpStack, name: str, ready: Callable[[], bool]) -> int:
    """SIGKILL ``name`` as soon as ``ready()`` (polled off the loop); its pid."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if await asyncio.to_thread(ready):
            return up.kill(name)
        await asyncio.sleep(0.1)
    raise AssertionError(f"never the moment to kill {name}\n{up.said()[-4000:]}")


def _came_back(up: UpStack, name: str, killed: int) -> None:
    """The supervisor said it restarted ``name`` once, and the new one is healthy."""
    wait_until(lambda: _restarted(up, name, killed), f"{name} restarted and healthy",
               within=900, stack=up)
    assert f"{name} killed by SIGKILL; restarting in 1s (failure 1 in a row)" in up.said()
    assert f"{name} restarted (restart 1" in up.said()
    assert "supervisor: killed by SIGKILL" in up.log(name)


def test_the_stack_runs_the_production_profile_and_says_so(up: UpStack) -> None:
    for name in CHILDREN:
        assert answers(up.health_url(name)), name
    # production sends to Twilio, so `careline up` started no stand-in of its own
    assert not (Path(up.data_dir) / "up" / "logs" / "twilio-standin.log").exists()


def test_the_insight_consumer_drains_the_events_queue(up: UpStack) -> None:
    sender = f"insight-{uuid.uuid4().hex[:8]}"

    async def converse() -> list[Exchange]:
        async with aiohttp.ClientSession() as session:
            return [await say(session, up, sender, message)
                    for message in ("hello", "what can you do")]

    assert lost(asyncio.run(converse())) == []
    # the turns' events reach the analytics store through the queue Rasa publishes to ...
    wait_until(lambda: _contact_rows(up, f"rest:{sender}") == 1,
               "the conversation in insight_contacts", within=120, stack=up)
    # ... which is left empty, not growing
    wait_until(lambda: asyncio.run(_queue_depth(up.event_queue)) == 0,
               f"an empty {up.event_queue}", within=120, stack=up)


@pytest.mark.parametrize("killing", KILLED)
async def test_a_killed_child_is_restarted_and_every_message_answered(
    up: UpStack, webchat_replica: str, killing: str,
) -> None:
    name = _child(killing, webchat_replica)
    refused: list[int] = []
    gateway = name.startswith("gateway")
    if name.startswith("rasa"):  # still the replica the web chat goes to
        assert await sticky_replica(up) == name
    exchanges, web, killed = await _conversations(up, kill=name, kill_first=gateway,
                                                  refused=refused)
    _report(f"{name} killed", exchanges, web)
    assert len(exchanges) == 8 * len(TEXTS) and web.sent == 3 * len(TEXTS)
    assert lost(exchanges) == [], f"{name} killed: unanswered {lost(exchanges)}"
    assert web.lost == [] and web.twice == [], f"{name} killed: {web.lost} {web.twice}"
    if gateway:  # killed before the first text (restart >= 1 s later): the other took them
        assert refused == [], refused
    if name.startswith("rasa"):  # the web chat's sockets and a turn were on it
        assert web.reconnects >= 3 and web.taken_over >= 1, web

    _came_back(up, name, killed)
    if name.startswith("rasa"):  # the restarted replica itself serves turns again
        replica = f"http://127.0.0.1:{up.port_of(name)}/webhooks/rest/webhook"
        async with aiohttp.ClientSession() as session:
            async with session.post(replica, json={"sender": f"direct-{uuid.uuid4().hex[:6]}",
                                                   "message": "hello"},
                                    headers={"Authorization": f"Bearer {up.rest_token}"},
                                    timeout=aiohttp.ClientTimeout(total=180)) as reply:
                assert reply.status == 200 and await reply.json()

    after, web_after, _ = await _conversations(up)
    _report(f"after {name}'s restart", after, web_after)
    assert lost(after) == [], f"after {name}'s restart: unanswered {lost(after)}"
    assert web_after.lost == [] and web_after.twice == [], web_after


async def test_the_handoff_worker_killed_mid_delivery_hands_each_customer_over_once(
        up: UpStack) -> None:
    since = datetime.now(timezone.utc)
    senders, texters = rest_senders(3), phones(up, sms=3, whatsapp=2)
    web = await _connected(webchat_customers(up, 2))
    customers = len(senders) + len(texters) + len(web)

    def statuses() -> Counter[str]:
        return Counter(status for _, status in outbox_since(up, since).values())

    async def kill_mid_delivery() -> tuple[int, Counter[str]]:
        """Killed once some handoffs are at the desk and others still to deliver."""
        pid = await _kill_when(up, "handoff-worker",
                               lambda: 0 < statuses()["delivered"] < customers)
        return pid, await asyncio.to_thread(statuses)  # what the dead worker delivered

    # customers ask one by one, so handoffs keep coming while the worker is down
    try:
        rest, texts, _, (killed, at_kill) = await asyncio.gather(
            talking(up, senders, ASKING_FOR_A_PERSON, stagger=1.0),
            texting(texters, ASKING_FOR_A_PERSON, [], stagger=1.0, start=0.5),
            chatting(web, ASKING_FOR_A_PERSON, stagger=1.0, start=0.25),
            kill_mid_delivery())
    finally:
        await asyncio.gather(*(customer.close() for customer in web))
    chat = await tally(up, web)
    _report("handoff-worker killed", rest + texts, chat)
    assert lost(rest + texts) == [], f"unanswered {lost(rest + texts)}"
    assert chat.lost == [] and chat.twice == [], chat
    _came_back(up, "handoff-worker", killed)

    def all_delivered() -> Optional[dict[str, tuple[str, str]]]:
        handoffs = outbox_since(up, since)
        done = len(handoffs) >= customers and all(s == "delivered" for _, s in handoffs.values())
        return handoffs if done else None

    handoffs = wait_until(all_delivered, f"{customers} handoffs delivered", within=300,
                          stack=up)
    conversations = Counter(conversation for conversation, _ in handoffs.values())
    tickets = tickets_by_conversation(up, list(handoffs))
    print(f"handoffs: {customers} customers, {at_kill['delivered']} delivered before the "
          f"kill, {sum(tickets.values())} tickets, {len(tickets)} conversations")
    assert at_kill["delivered"] < customers  # the restarted worker delivered the rest
    assert len(conversations) == customers and set(conversations.values()) == {1}
    assert {f"rest:{sender}" for sender in senders} <= set(conversations)
    assert {customer.sender_id for customer in web} <= set(conversations)
    assert tickets == conversations  # every handoff at the desk, none twice


async def test_the_notice_sender_killed_mid_batch_sends_each_notice_once(up: UpStack) -> None:
    area, numbers = seed_area(up, NOTICE_CUSTOMERS)
    incident = f"FLT-{uuid.uuid4().hex[:8]}"
    async with aiohttp.ClientSession() as session:
        async with session.post(
                f"{up.api_url}/incidents",
                headers={"Authorization": f"Bearer {up.env['CARELINE_INCIDENT_API_TOKEN']}"},
                json={"incident_id": incident, "version": 1, "action": "open",
                      "areas": [area], "summary": "no mobile data",
                      "service_critical": True},  # never held back by quiet hours
                timeout=aiohttp.ClientTimeout(total=60)) as reply:
            assert reply.status == 202, await reply.text()

    def sending() -> bool:  # a few notices out, most still to go
        return 3 <= sum(texts_to(up, numbers).values()) < NOTICE_CUSTOMERS

    killed = await _kill_when(up, "incidents", sending)
    at_kill = sum(texts_to(up, numbers).values())
    _came_back(up, "incidents", killed)
    wait_until(lambda: notice_statuses(up, incident) == {"sent": NOTICE_CUSTOMERS},
               "every notice recorded as sent", within=300, stack=up)
    received = texts_to(up, numbers)
    print(f"notices: {NOTICE_CUSTOMERS} customers, {at_kill} sent before the kill, "
          f"{sum(received.values())} sent in all, {len(received)} customers reached")
    assert 0 < at_kill < NOTICE_CUSTOMERS
    assert received == Counter({number: 1 for number in numbers})  # none lost, none twice


def test_only_the_killed_children_were_restarted(up: UpStack, webchat_replica: str) -> None:
    said = up.said()
    print("\n".join(line for line in said.splitlines() if "careline.supervisor" in line))
    restarted = {*(_child(name, webchat_replica) for name in KILLED), *WORKERS}
    for name in (*CHILDREN, "desk", "handoff-worker", "incidents", "nginx"):
        restarts = len(re.findall(rf"(?<![\w-]){name} restarted \(restart ", said))
        assert restarts == (1 if name in restarted else 0), (name, restarts)
    assert up.process.poll() is None  # the stack itself never stopped
