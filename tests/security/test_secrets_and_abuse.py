"""Secrets stay secret, sign-in cannot be abused, insight cannot be poisoned: each attack
run against the real stack (signed Twilio webhooks, the REST channel with its token, the
stack's own files and processes), and the lockout's race on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from pathlib import Path
from threading import Barrier
from typing import Any, Iterator

import pytest
import requests
from sqlalchemy import delete, select, text

from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.db.session import get_engine, session_scope
from careline.settings import PROJECT_ROOT
from tests.e2e.customers import StackCustomer, random_mobile
from tests.e2e.stack import CarelineStack
from tests.eventually import eventually
from tests.masking import holds_secret

pytestmark = pytest.mark.slow

WRONG_PIN_MESSAGE = "my pin is 2468"
TYPED_CODE_MESSAGE = "my code is 246813"


def add_account(stack: CarelineStack, *, msisdn: str, pin: str = "1357",
                whatsapp: bool = False) -> tuple[StackCustomer, str]:
    """A customer of our own with a CL account number a person can type, and a PIN."""
    from careline.profile.models.crm import Customer, CustomerIdentity
    from careline.profile.pins import hash_pin

    with session_scope(get_engine(stack.database_url)) as session:
        while True:
            account = f"CL9{secrets.randbelow(10 ** 7):07d}"
            if session.execute(select(Customer.id).where(
                    Customer.account_number == account)).first() is None:
                break
        customer = Customer(
            account_number=account, first_name="Ada", last_name="Tester", segment="postpaid",
            customer_since=date(2020, 1, 1), address_line1="1 Test Street", town="Leeds",
            postcode="LS1 1AA", area_code="LS1", created_at=datetime.now(timezone.utc),
            pin_hash=hash_pin(pin))
        session.add(customer)
        session.flush()
        session.add(CustomerIdentity(customer_id=customer.id, kind="msisdn", value=msisdn))
        if whatsapp:
            session.add(CustomerIdentity(customer_id=customer.id, kind="whatsapp", value=msisdn))
        return StackCustomer(customer_id=customer.id, msisdn=msisdn), account


def unused_account(stack: CarelineStack) -> str:
    from careline.profile.models.crm import Customer

    with session_scope(get_engine(stack.database_url)) as session:
        while True:
            account = f"CL9{secrets.randbelow(10 ** 7):07d}"
            if session.execute(select(Customer.id).where(
                    Customer.account_number == account)).first() is None:
                return account


async def say(phone: Phone, text_: str, *, timeout: float = 60.0) -> list[str]:
    """Send one signed message and return the bodies of the replies it got."""
    known = {m["sid"] for m in await phone.received()}
    result = await phone.send(PhoneMessage(text=text_))
    assert result.status == 200
    return [m["body"] for m in await phone.wait_for_replies(known=known, timeout=timeout)]


def files_holding(directory: Path, needle: bytes) -> list[str]:
    """Every file under ``directory`` (databases, their WAL files, logs) containing ``needle``."""
    return [str(path.relative_to(directory)) for path in directory.rglob("*")
            if path.is_file() and needle in path.read_bytes()]


def test_a_pin_typed_on_whatsapp_is_nowhere_after_its_turn(careline_stack: CarelineStack):
    """Attack: read a customer's PIN afterwards from the tracker (Rasa's API), the event
    broker's events, the handoff package and the desk's transcript, or any log or file
    of the stack (whose logs do not name the customer's number either). Three wrong PINs hand
    the conversation to the desk in the turn of the last one, so the package is built while that
    PIN is still in memory."""
    customer, _ = add_account(careline_stack, msisdn=random_mobile(), whatsapp=True)
    phone = careline_stack.phone("whatsapp", customer.msisdn)

    async def conversation() -> list[list[str]]:
        return [await say(phone, "I want to switch my plan to unlimited"),
                *[await say(phone, WRONG_PIN_MESSAGE) for _ in range(3)]]

    replies = asyncio.run(conversation())
    assert any("PIN" in body for body in replies[0]), replies  # the bot did ask for it

    events = careline_stack.tracker(customer.sender_id)["events"]
    typed = [e["text"] for e in events if e["event"] == "user"][1:]
    assert typed == ["my pin is ••••"] * 3
    assert not holds_secret(json.dumps([e for e in events if e["event"] in ("user", "slot")]),
                            "2468")

    def ticket() -> Any:
        with get_engine(careline_stack.database_url).connect() as connection:
            return connection.execute(text(
                "SELECT id, context_json FROM desk_tickets WHERE conversation_id = :c"),
                {"c": customer.sender_id}).first()

    ticket = eventually(ticket)
    package = json.loads(ticket.context_json)
    assert [line["text"] for line in package["transcript"] if line["speaker"] == "customer"
            ][1:] == ["my pin is ••••"] * 3
    assert not holds_secret(json.dumps(package["transcript"]) + json.dumps(
        package["understanding"]) + package["summary"], "2468")
    assert files_holding(careline_stack.settings.data_dir, b"pin is 2468") == []
    logs = careline_stack.settings.data_dir / "logs"
    digits = customer.msisdn.lstrip("+").encode()
    assert files_holding(logs, b"+" + digits) == files_holding(logs, b"%2B" + digits) == []


def test_a_code_typed_at_sign_in_is_nowhere_after_its_turn(careline_stack: CarelineStack):
    """Attack: read a one-time code typed at sign-in (SMS from an unknown number) back from
    the stored tracker, the broker's events or any file or log of the stack."""
    phone = careline_stack.phone("sms", random_mobile())

    async def conversation() -> None:
        await say(phone, "what do I owe")
        await say(phone, unused_account(careline_stack))
        await say(phone, TYPED_CODE_MESSAGE)

    asyncio.run(conversation())
    events = careline_stack.tracker(phone.number)["events"]
    assert [e["text"] for e in events if e["event"] == "user"][-1] == "my code is ••••"
    assert files_holding(careline_stack.settings.data_dir, b"code is 246813") == []


def test_an_unknown_account_number_is_answered_exactly_like_a_real_one(
        careline_stack: CarelineStack):
    """Attack: probe account numbers over SMS to learn which exist and whose number they
    text. A stranger giving a real account and one giving an unknown account read the same
    texts (the stand-in's record of what each was sent), through three wrong codes."""
    customer, account = add_account(careline_stack, msisdn=random_mobile())
    real_asker = careline_stack.phone("sms", random_mobile())
    unknown_asker = careline_stack.phone("sms", random_mobile())

    async def probe(phone: Phone, account_number: str) -> list[list[str]]:
        return [await say(phone, message) for message in
                ("what do I owe", account_number, "000000", "000001", "000002")]

    async def both() -> tuple[list[list[str]], list[list[str]]]:
        return await asyncio.gather(probe(real_asker, account),
                                    probe(unknown_asker, unused_account(careline_stack)))

    real, unknown = asyncio.run(both())
    # the same texts at each step (a turn's texts may be listed in either order); the last
    # hands off, and during opening hours the queue position may differ between the two
    assert [sorted(step) for step in real[:4]] == [sorted(step) for step in unknown[:4]]
    refused = [[body for body in last if "couldn't confirm" in body]
               for last in (real[4], unknown[4])]
    assert refused[0] == refused[1] and len(refused[0]) == 1
    assert any("If that account number is ours" in body for body in real[1])
    assert not any("ending" in body for step in real for body in step)
    codes = careline_stack.standin_messages(customer.msisdn)
    assert len(codes) == 1 and "code" in codes[0]["body"]  # the real account's owner got it


def test_asking_again_and_again_texts_no_more_codes_than_the_limit(
        careline_stack: CarelineStack):
    """Attack: SMS-bomb a customer by giving their account number to the sign-in over and
    over from many numbers at once: six requests, five codes (CARELINE_IDENTITY_CODE_LIMIT),
    and every asker is told the same."""
    customer, account = add_account(careline_stack, msisdn=random_mobile())
    askers = [careline_stack.phone("sms", random_mobile()) for _ in range(6)]

    async def ask(phone: Phone) -> list[str]:
        await say(phone, "what do I owe")
        return await say(phone, account)

    async def everyone() -> list[list[str]]:
        return await asyncio.gather(*(ask(phone) for phone in askers))

    told = asyncio.run(everyone())
    assert len({tuple(sorted(replies)) for replies in told}) == 1
    eventually(lambda: len(careline_stack.standin_messages(customer.msisdn)) >= 5)
    assert len(careline_stack.standin_messages(customer.msisdn)) == 5


def test_a_pin_like_code_and_a_phone_number_are_masked_in_a_real_process_log(
        careline_stack: CarelineStack):
    """Attack: get a PIN and a phone number into the operator's logs by choosing them as
    the conversation id (Rasa logs every turn with it): the Rasa server's log shows the
    turn, with both masked."""
    marker = f"probe{secrets.token_hex(3)}"
    sender = f"{marker} 2468 +61491570999"
    reply = requests.post(f"{careline_stack.rasa_url}/webhooks/rest/webhook",
                          json={"sender": sender, "message": "hello"},
                          headers=careline_stack.rest_headers, timeout=60)
    assert reply.status_code == 200
    logs = careline_stack.settings.data_dir / "logs"
    lines = eventually(lambda: [line for path in logs.glob("*.log")
                              for line in path.read_text(errors="replace").splitlines()
                              if marker in line])
    assert all(not holds_secret(line, "2468") and "+61491570999" not in line
               for line in lines), lines
    assert any("••••" in line for line in lines)


REJECTED = ("bad sender id", "bad customer id", "bad timestamp", "bad intent name",
            "unknown channel")


def publish_poison(events_db: Path) -> None:
    """Crafted events into an event broker's database (Rasa's SQL broker), one per rejection."""
    from rasa.core.brokers.sql import SQLEventBroker

    broker = SQLEventBroker(db=str(events_db))
    now = datetime.now(timezone.utc).timestamp()
    user = {"event": "user", "timestamp": now, "text": "hi", "input_channel": "sms",
            "parse_data": {"intent": {"name": "greet"}}}
    for event in ({"event": "slot", "timestamp": now, "name": "customer_id",
                   "value": 10 ** 30},
                  {**user, "timestamp": 1e300},
                  {**user, "parse_data": {"intent": {"name": "<script>alert(1)</script>"}}},
                  {**user, "metadata": {"channel": "<img src=x onerror=alert(1)>"}}):
        broker.publish({"sender_id": "conv-poison", **event})
    broker.publish({"sender_id": "y" * 400, **user})
    broker.engine.dispose()


def test_poisoned_events_are_rejected_at_ingest_and_the_reports_still_render(
        careline_stack: CarelineStack, tmp_path: Path):
    """Attack: break or distort the contact-centre report with crafted events: a REST
    conversation id longer than any column, and events in the broker with a customer id
    past any integer, a timestamp past any calendar, a script tag as the intent and as
    the channel. The desk's /insight page and ``careline report`` (a real process on the
    stack's data) each log every rejection and still draw the report, with no script."""
    from careline.desk.cli import DEMO_AGENT, demo_password

    requests.post(f"{careline_stack.rasa_url}/webhooks/rest/webhook",
                  json={"sender": "x" * 400, "message": "what do I owe"},
                  headers=careline_stack.rest_headers, timeout=60)
    publish_poison(Path(careline_stack.settings.events_db
                        or careline_stack.settings.data_dir / "events.db"))
    desk, desk_url = requests.Session(), f"http://127.0.0.1:{careline_stack.settings.desk_port}"
    login = desk.get(f"{desk_url}/login", timeout=30).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    signed_in = desk.post(f"{desk_url}/login", timeout=30, allow_redirects=False, data={
        "username": DEMO_AGENT, "password": demo_password(careline_stack.settings.data_dir),
        "csrf_token": csrf})
    assert signed_in.status_code == 303
    page = desk.get(f"{desk_url}/insight", params={"since": "1d"}, timeout=120)
    assert page.status_code == 200 and "Contact" in page.text
    assert "<script>alert" not in page.text and "onerror" not in page.text
    desk_log = (careline_stack.settings.data_dir / "logs" / "desk.log").read_text()
    assert all(f"rejected: {reason}" in desk_log for reason in REJECTED)

    # The report gets a broker file of its own: the desk folds the stack's file every few
    # seconds, so poison published there again could be read by the desk first.
    report_events = tmp_path / "events.db"
    publish_poison(report_events)
    out = tmp_path / "report.html"
    env = {**os.environ, "CARELINE_DATA_DIR": str(careline_stack.settings.data_dir),
           "CARELINE_EVENTS_DB": str(report_events)}
    env.pop("CARELINE_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "careline.cli.main", "report", "--since", "1d",
                           "--out", str(out)], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert all(f"rejected: {reason}" in done.stderr for reason in REJECTED)
    report = out.read_text()
    assert "<script>alert" not in report and "onerror" not in report
    assert "contacts" in done.stdout


@pytest.fixture
def gareth_on_postgres(seeded_postgres_db) -> Iterator[tuple[Any, int]]:
    """The seeded PostgreSQL database and Gareth's id; his failed checks forgotten after."""
    from careline.identity.models import FailedCheck
    from careline.profile.service import ProfileService

    engine = seeded_postgres_db.engine
    ref = ProfileService(engine).find_customer_by_account(account_number="CL10000104")
    try:
        yield engine, ref.customer_id
    finally:
        with session_scope(engine) as session:
            session.execute(delete(FailedCheck).where(FailedCheck.customer_id == ref.customer_id))


@pytest.mark.postgres
def test_parallel_wrong_pins_from_many_conversations_stop_at_the_lockout(gareth_on_postgres):
    """Attack: guess a customer's PIN from twenty conversations at once (web chats on
    several replicas), each on its own database connection, all released together so
    every guess checks the lock before any is recorded. Five are compared, the rest find
    the lock, and then even the right PIN is refused."""
    from careline.identity.lockout import FailedCheckLockout
    from careline.identity.models import FailedCheck
    from careline.identity.otp import OneTimeCodeService
    from careline.identity.service import IdentityService
    from careline.profile.service import ProfileService

    engine, gareth = gareth_on_postgres
    service = IdentityService(profiles=ProfileService(engine), codes=OneTimeCodeService(engine),
                              lockout=FailedCheckLockout(engine, max_failures=5))
    guesses = 20
    barrier = Barrier(guesses)

    def guess(pin: str) -> Any:
        barrier.wait()
        return asyncio.run(service.check_pin(customer_id=gareth, pin=pin))

    with ThreadPoolExecutor(max_workers=guesses) as pool:
        checks = list(pool.map(guess, [f"{1000 + n}" for n in range(guesses)]))
    assert not any(check.accepted for check in checks)
    with session_scope(engine) as session:
        counted = session.execute(select(FailedCheck).where(
            FailedCheck.customer_id == gareth)).scalars().all()
    assert len(counted) == 5
    right = asyncio.run(service.check_pin(customer_id=gareth, pin="9753"))
    assert not right.accepted and right.lockout is not None
