"""Real customer rows in the stack's database for end-to-end tests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timezone

from careline.channels.conversation_key import customer_sender_id
from careline.db.session import get_engine, session_scope


@dataclass(frozen=True)
class StackCustomer:
    customer_id: int
    msisdn: str

    @property
    def sender_id(self) -> str:
        """Their conversation, as the channels key it (the stack shares our secret)."""
        return customer_sender_id(self.customer_id)


#: Australia's ACMA keeps these mobile numbers for fiction: valid, never anyone's, and
#: unlike Ofcom's 07700 900xxx not used by Careline's demo seed.
FICTIONAL_NUMBERS = tuple(
    f"+61491{block}{n:03d}" for block, first, last in
    (("570", 6, 159), ("571", 266, 491), ("572", 549, 665)) for n in range(first, last + 1))
_USED: set[str] = set()


def random_mobile() -> str:
    """A valid mobile number nobody has, never the same twice in a session."""
    while True:
        number = secrets.choice(FICTIONAL_NUMBERS)
        if number not in _USED:
            _USED.add(number)
            return number


def add_customer(database_url: str, *, msisdn: str, whatsapp: bool = False) -> StackCustomer:
    from careline.profile.models.crm import Customer, CustomerIdentity

    with session_scope(get_engine(database_url)) as session:
        customer = Customer(
            account_number=f"E2E{secrets.token_hex(4).upper()}", first_name="Ada",
            last_name="Tester", segment="postpaid", customer_since=date(2020, 1, 1),
            address_line1="1 Test Street", town="Leeds", postcode="LS1 1AA", area_code="LS1",
            created_at=datetime.now(timezone.utc))
        session.add(customer)
        session.flush()
        session.add(CustomerIdentity(customer_id=customer.id, kind="msisdn", value=msisdn))
        if whatsapp:
            session.add(CustomerIdentity(customer_id=customer.id, kind="whatsapp", value=msisdn))
        return StackCustomer(customer_id=customer.id, msisdn=msisdn)
