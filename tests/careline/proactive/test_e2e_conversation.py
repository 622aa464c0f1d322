"""A notice enters the customer's Rasa conversation (the whole stack, real Rasa and model).

Careline sends the notice by SMS through the stand-in, then triggers
EXTERNAL_outage_notice: the tracker must hold the notice as the customer saw it,
with the outage_* slots set, and nothing may be sent a second time.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from datetime import date, datetime, timezone

import pytest

from careline.channels.conversation_key import customer_sender_id
from careline.db.session import get_engine, session_scope
from careline.profile.models import Customer, CustomerIdentity, NetworkArea
from careline.proactive.delivery import NOTICE_INTENT
from careline.proactive.routing import TwilioAndRasaChannel
from careline.proactive.schemas import IncidentUpdate
from careline.proactive.service import OutageCare
from careline.channels.webchat_tokens import issue_token, webchat_secret
from careline.rasa_client import RasaClient
from careline.webchat.presence import PresenceStore
from tests.e2e.customers import random_mobile
from tests.e2e.stack import CarelineStack, careline_stack  # noqa: F401  (session fixture)
from tests.e2e.test_webchat import WebClient

pytestmark = pytest.mark.slow


def _customer_in_new_area(stack: CarelineStack, preferred: str = "sms",
                          web_account: str = "") -> tuple[str, int, str]:
    area = f"E{secrets.token_hex(3).upper()}"
    msisdn = random_mobile()
    with session_scope(get_engine(stack.database_url)) as session:
        session.add(NetworkArea(code=area, name="Test district", region="Test"))
        customer = Customer(
            account_number=f"E2E{secrets.token_hex(4).upper()}", first_name="Ada",
            last_name="Tester", segment="vip", customer_since=date(2020, 1, 1),
            address_line1="1 Test Street", town="Leeds", postcode="LS1 1AA", area_code=area,
            preferred_channel=preferred, outage_notifications=True,
            created_at=datetime.now(timezone.utc))
        session.add(customer)
        session.flush()
        session.add(CustomerIdentity(customer_id=customer.id, kind="msisdn", value=msisdn))
        if web_account:
            session.add(CustomerIdentity(customer_id=customer.id, kind="web_account",
                                         value=web_account))
        return area, customer.id, msisdn


def _notices_in_tracker(stack: CarelineStack, sender_id: str) -> tuple[list, list, dict]:
    tracker = stack.tracker(sender_id)
    events = tracker["events"]
    triggered = [e for e in events if e["event"] == "user"
                 and (e.get("parse_data") or {}).get("intent", {}).get("name") == NOTICE_INTENT]
    said = [e["text"] for e in events if e["event"] == "bot"]
    return triggered, said, tracker["slots"]


def test_open_and_resolve_notices_are_in_the_conversation_and_sent_once(careline_stack):
    stack = careline_stack
    area, customer_id, msisdn = _customer_in_new_area(stack)
    rasa = RasaClient(base_url=stack.rasa_url, token=stack.token)
    care = OutageCare(channel=TwilioAndRasaChannel(settings=stack.settings, rasa=rasa),
                      rasa=rasa, engine=get_engine(stack.database_url))
    opened = IncidentUpdate(incident_id=f"E2E-{secrets.token_hex(3)}", version=1,
                            action="open", areas=(area,), summary="no mobile data",
                            detail="A fibre cut near the mast.", service_critical=True)

    async def run() -> None:
        await care.handle(opened)
        await care.handle(opened)  # a retry: nothing sent or recorded twice
        await care.handle(IncidentUpdate.parse_obj({**opened.dict(), "version": 2,
                                                    "action": "resolve"}))
        await care.close()

    asyncio.run(run())
    texts = [m["body"] for m in stack.standin_messages(to=msisdn)]
    assert len(texts) == 2 and "no mobile data" in texts[0] and "is fixed" in texts[1]
    deadline = time.monotonic() + 30
    while True:
        triggered, said, slots = _notices_in_tracker(stack, customer_sender_id(customer_id))
        if len(triggered) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(triggered) == 2
    assert [t for t in said if t in texts] == texts
    assert slots["outage_incident"] == opened.incident_id
    assert slots["outage_status"] == "resolved" and slots["outage_area"] == area
    # Rasa only collected the utterances (output channel "collector"): still two SMS.
    assert len(stack.standin_messages(to=msisdn)) == 2


def _wait_until(check, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} within {timeout:.0f}s")
        time.sleep(0.1)


def test_a_customer_connected_on_web_chat_is_told_there_and_by_sms_once_gone(careline_stack):
    stack = careline_stack
    web_account = f"web-{secrets.token_hex(4)}"
    area, customer_id, msisdn = _customer_in_new_area(stack, preferred="webchat",
                                                      web_account=web_account)
    engine = get_engine(stack.database_url)
    presence = PresenceStore(engine)
    opened = IncidentUpdate(incident_id=f"E2E-{secrets.token_hex(3)}", version=1,
                            action="open", areas=(area,), summary="no mobile data",
                            service_critical=True)
    updated = IncidentUpdate.parse_obj({**opened.dict(), "version": 2, "action": "update",
                                        "summary": "engineers are on site"})

    async def run() -> list:
        rasa = RasaClient(base_url=stack.rasa_url, token=stack.token)
        care = OutageCare(channel=TwilioAndRasaChannel(settings=stack.settings, rasa=rasa),
                          rasa=rasa, engine=engine)
        client = WebClient()
        token = issue_token(subject=web_account, customer_id=customer_id,
                            secret=webchat_secret(stack.settings))
        await client.connect(stack, token)
        await client.session()
        await asyncio.to_thread(_wait_until, lambda: presence.live(customer_ids=[customer_id]),
                                "connected")
        first = await care.handle(opened)
        said = await client.wait_for("bot_uttered")
        await client.sio.disconnect()
        await asyncio.to_thread(
            _wait_until, lambda: not presence.live(customer_ids=[customer_id]), "disconnected")
        second = await care.handle(updated)
        await care.close()
        assert (first.sent, second.sent) == (1, 1)
        return said

    said = asyncio.run(run())
    assert "no mobile data" in said[0]["text"]
    # Only the second notice, sent after the chat closed, went to the phone.
    [sms] = stack.standin_messages(to=msisdn)
    assert "engineers are on site" in sms["body"]
    triggered, texts, slots = _notices_in_tracker(stack, customer_sender_id(customer_id))
    assert len(triggered) == 2 and slots["outage_incident"] == opened.incident_id
