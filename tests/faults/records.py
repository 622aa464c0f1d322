"""What the stack's background processes did, read where they record it.

The handoff outbox and the desk's tickets, the notices log (all in the stack's
database) and the messages the Twilio stand-in took; and customers seeded in an area of
their own, as an operator's import would leave them.
"""

from __future__ import annotations

import json
import secrets
import urllib.request
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Any, Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from careline.db.session import session_scope
from careline.profile.models import Customer, CustomerIdentity, NetworkArea

from .up_stack import UpStack


@contextmanager
def database(up: UpStack) -> Iterator[Connection]:
    engine = create_engine(up.env["CARELINE_DATABASE_URL"], future=True)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def outbox_since(up: UpStack, since: datetime) -> dict[str, tuple[str, str]]:
    """Handoffs written since ``since``: idempotency key → (conversation, status)."""
    with database(up) as db:
        rows = db.execute(text("SELECT idempotency_key, conversation_id, status "
                               "FROM handoff_outbox WHERE created_at >= :since"),
                          {"since": since})
        return {key: (conversation, status) for key, conversation, status in rows}


def tickets_by_conversation(up: UpStack, keys: list[str]) -> Counter[str]:
    """The desk's tickets made from these handoffs, counted per conversation."""
    with database(up) as db:
        rows = db.execute(text("SELECT conversation_id FROM desk_tickets "
                               "WHERE idempotency_key = ANY(:keys)"), {"keys": keys})
        return Counter(conversation for conversation, in rows)


def seed_area(up: UpStack, customers: int) -> tuple[str, list[str]]:
    """A new area with ``customers`` opted in to outage notices by SMS; its code, numbers."""
    code = "F" + secrets.token_hex(3).upper()
    block = secrets.randbelow(900) * 1000
    numbers = [f"+447911{block + n:06d}" for n in range(customers)]
    engine = create_engine(up.env["CARELINE_DATABASE_URL"], future=True)
    try:
        with session_scope(engine) as session:
            session.add(NetworkArea(code=code, name=f"{code} district", region="North"))
            for n, number in enumerate(numbers):
                customer = Customer(
                    account_number=f"{code}{n}", first_name="Sam", last_name=f"Tester{n}",
                    segment="postpaid", customer_since=date(2020, 1, 1),
                    address_line1="1 High St", town="Town", postcode=f"{code[:4]} 1AA",
                    area_code=code, preferred_channel="sms", marketing_opt_in=False,
                    outage_notifications=True,
                    created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
                session.add(customer)
                session.flush()
                session.add(CustomerIdentity(customer_id=customer.id, kind="msisdn",
                                             value=number, opted_out=False))
    finally:
        engine.dispose()
    return code, numbers


def notice_statuses(up: UpStack, incident_id: str) -> Counter[str]:
    with database(up) as db:
        rows = db.execute(text("SELECT status FROM proactive_notifications "
                               "WHERE incident_id = :incident"), {"incident": incident_id})
        return Counter(status for status, in rows)


def texts_to(up: UpStack, numbers: list[str]) -> Counter[str]:
    """How many messages the Twilio stand-in took for each of ``numbers``."""
    url = f"http://127.0.0.1:{up.ports['standin']}/_standin/messages"
    with urllib.request.urlopen(url, timeout=10) as response:
        sent: list[dict[str, Any]] = json.loads(response.read())
    wanted = set(numbers)
    return Counter(m["to"] for m in sent if m["to"] in wanted)
