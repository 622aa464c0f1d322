"""Real rows in a freshly migrated SQLite database, one per test."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Optional

import pytest
from sqlalchemy.engine import Engine

from careline.db.migrate import upgrade
from careline.db.session import get_engine, session_scope
from careline.profile.models import Customer, CustomerIdentity, NetworkArea

_numbers = itertools.count(1000)


@pytest.fixture()
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'careline.db'}"
    upgrade(url)
    return get_engine(url)


@pytest.fixture()
def add_area(engine: Engine) -> Callable[..., str]:
    def add(code: str, name: Optional[str] = None) -> str:
        with session_scope(engine) as session:
            session.add(NetworkArea(code=code, name=name or f"{code} district", region="North"))
        return code
    return add


@pytest.fixture()
def add_customer(engine: Engine) -> Callable[..., int]:
    """A customer with an MSISDN (and optionally WhatsApp/web identities) in an area."""

    def add(*, area: str, segment: str = "postpaid", preferred: str = "sms",
            opted_in: bool = True, opted_out: tuple[str, ...] = (),
            whatsapp: bool = False, web: bool = False) -> int:
        n = next(_numbers)
        msisdn = f"+4477009{n:05d}"
        with session_scope(engine) as session:
            customer = Customer(
                account_number=f"AC{n}", first_name="Sam", last_name=f"Tester{n}",
                segment=segment, customer_since=date(2020, 1, 1), address_line1="1 High St",
                town="Town", postcode=f"{area} 1AA", area_code=area, preferred_channel=preferred,
                marketing_opt_in=False, outage_notifications=opted_in,
                created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
            session.add(customer)
            session.flush()
            kinds = [("msisdn", msisdn)]
            if whatsapp:
                kinds.append(("whatsapp", msisdn))
            if web:
                kinds.append(("web_account", f"web-{n}"))
            for kind, value in kinds:
                channel = {"msisdn": "sms", "web_account": "webchat"}.get(kind, kind)
                session.add(CustomerIdentity(customer_id=customer.id, kind=kind, value=value,
                                             opted_out=channel in opted_out))
            return customer.id
    return add
