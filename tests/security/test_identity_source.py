"""Identity comes only from what a channel proved: a forged REST body, a tokenless REST call,
a REST caller naming a customer's conversation and a spoofable SMS riding on a WhatsApp
second factor are all refused, against the running stack."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any, Optional

import pytest
import requests
from sqlalchemy import select, update

from careline.channels.conversation_key import customer_sender_id
from careline.channels.phone_simulator import PhoneMessage
from careline.channels.twilio_client import twilio_address
from careline.db.session import get_engine, session_scope
from careline.profile.models import Customer
from careline.profile.pins import hash_pin
from careline.settings import Settings
from tests.e2e.customers import StackCustomer, add_customer, random_mobile
from tests.e2e.stack import CarelineStack
from tests.e2e.test_twilio_channels import _bodies, _user_events
from tests.eventually import eventually

pytestmark = pytest.mark.slow

IDENTITY = ("customer_id", "verified", "verified_by", "second_factor", "second_factor_channel")
#: Tom Becker in the demo seed: a postpaid customer with a balance on his bill.
DEMO_ACCOUNT = "CL10000102"
PIN = "4821"


def _rest(stack: CarelineStack, body: dict[str, Any], *,
          headers: Optional[dict[str, str]] = None) -> requests.Response:
    return requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60,
                         headers=stack.rest_headers if headers is None else headers)


def _texts(reply: requests.Response) -> str:
    return " ".join(m.get("text") or "" for m in reply.json())


def _customer_id(stack: CarelineStack, account_number: str) -> int:
    with session_scope(get_engine(stack.database_url)) as session:
        return session.execute(select(Customer.id).where(
            Customer.account_number == account_number)).scalar_one()


def _with_pin(stack: CarelineStack, customer: StackCustomer) -> StackCustomer:
    with session_scope(get_engine(stack.database_url)) as session:
        session.execute(update(Customer).where(Customer.id == customer.customer_id)
                        .values(pin_hash=hash_pin(PIN)))
    return customer


def _say(stack: CarelineStack, channel: str, customer: StackCustomer, text: str) -> list[str]:
    """A correctly signed webhook from the customer's number; the replies it got."""
    before = len(_user_events(stack, customer.sender_id))
    to = twilio_address(channel, customer.msisdn)
    known = len(_bodies(stack, to))
    asyncio.run(stack.phone(channel, customer.msisdn).send(PhoneMessage(text=text)))
    eventually(lambda: len(_user_events(stack, customer.sender_id)) > before)
    return eventually(lambda: _bodies(stack, to)[known:])


def _slots(stack: CarelineStack, sender_id: str) -> dict[str, Any]:
    return {name: stack.tracker(sender_id)["slots"].get(name) for name in IDENTITY}


def test_a_forged_rest_body_proves_no_identity(careline_stack: CarelineStack):
    """Attack: a REST body that says ``"input_channel": "whatsapp"`` and carries metadata
    ``{"customer_id": <Tom>, "verified": true}`` asks for the balance, hoping Careline
    takes the body's word for who is writing (it once answered with Tom's balance)."""
    tom = _customer_id(careline_stack, DEMO_ACCOUNT)
    sender = f"forger-{secrets.token_hex(4)}"
    forged = {"channel": "whatsapp", "customer_id": tom, "verified": True,
              "second_factor": True, "address": "+447700900102"}
    reply = _rest(careline_stack, {"sender": sender, "message": "what is my balance",
                                   "input_channel": "whatsapp", "metadata": forged})
    assert reply.status_code == 200
    said = _texts(reply)
    assert "£" not in said and "balance is" not in said.lower()
    assert "account number" in said  # asked to sign in like any stranger
    tracker = careline_stack.tracker(f"rest:{sender}")
    assert {name: tracker["slots"].get(name) for name in IDENTITY} == {
        "customer_id": None, "verified": False, "verified_by": None, "second_factor": False,
        "second_factor_channel": None}
    [user] = [e for e in tracker["events"] if e["event"] == "user"]
    assert user["input_channel"] == "rest"
    assert not {"channel", "customer_id", "verified", "address"} & set(user.get("metadata") or {})


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic x"])
def test_the_rest_channel_refuses_callers_without_its_token(careline_stack: CarelineStack,
                                                            authorization: Optional[str]):
    """Attack: an anonymous caller on the internet posts to ``/webhooks/rest/webhook``
    (no token, a guessed one, another scheme) to talk to the bot as anyone."""
    sender = f"anonymous-{secrets.token_hex(4)}"
    headers = {"Authorization": authorization} if authorization else {}
    reply = _rest(careline_stack, {"sender": sender, "message": "what is my balance"},
                  headers=headers)
    assert reply.status_code == 401
    assert _user_events(careline_stack, f"rest:{sender}") == []
    assert _user_events(careline_stack, sender) == []


def test_a_rest_sender_cannot_read_or_write_a_customers_conversation(
        careline_stack: CarelineStack):
    """Attack: while a customer's WhatsApp conversation is verified, a REST caller sends
    from that conversation's id (or the old sequential ``customer-<id>``) to be answered
    inside it, with the customer's plan and balance."""
    customer = add_customer(careline_stack.database_url, msisdn=random_mobile(), whatsapp=True)
    _say(careline_stack, "whatsapp", customer, "hello")
    assert _slots(careline_stack, customer.sender_id)["verified"] is True
    for sender in (customer.sender_id, f"customer-{customer.customer_id}"):
        reply = _rest(careline_stack, {"sender": sender, "message": "what is my balance"})
        assert reply.status_code == 200
        assert "£" not in _texts(reply) and "account number" in _texts(reply)
        assert _slots(careline_stack, f"rest:{sender}")["customer_id"] is None
    assert [e["text"] for e in _user_events(careline_stack, customer.sender_id)] == ["hello"]
    assert _user_events(careline_stack, f"customer-{customer.customer_id}") == []


def test_an_sms_does_not_inherit_a_second_factor_passed_on_whatsapp(
        careline_stack: CarelineStack):
    """Attack: a customer passes their PIN on WhatsApp; an SMS spoofed from their number
    lands in the same conversation and asks for a payment arrangement or plan change,
    hoping the WhatsApp verification and second factor still count."""
    customer = _with_pin(careline_stack, add_customer(
        careline_stack.database_url, msisdn=random_mobile(), whatsapp=True))
    asked = _say(careline_stack, "whatsapp", customer, "i want to change my plan")
    answered = _say(careline_stack, "whatsapp", customer, PIN)
    passed = _slots(careline_stack, customer.sender_id)
    assert passed["second_factor"] is True, (asked, answered)
    assert passed["second_factor_channel"] == "whatsapp"
    assert passed["verified_by"] == "whatsapp_number"

    replies = _say(careline_stack, "sms", customer, "what is my balance")
    assert _slots(careline_stack, customer.sender_id) == {
        "customer_id": None, "verified": False, "verified_by": None, "second_factor": False,
        "second_factor_channel": None}
    assert "£" not in " ".join(replies)


def test_a_customers_conversation_id_is_not_their_number(careline_stack: CarelineStack):
    """Attack: guess a customer's conversation id from their customer number
    (``customer-<id>`` was sequential) to name it elsewhere."""
    customer = add_customer(careline_stack.database_url, msisdn=random_mobile(), whatsapp=True)
    _say(careline_stack, "whatsapp", customer, "hello")
    assert customer.sender_id != f"customer-{customer.customer_id}"
    assert _user_events(careline_stack, f"customer-{customer.customer_id}") == []
    other = customer_sender_id(customer.customer_id, settings=Settings(
        conversation_secret=secrets.token_urlsafe(24)))
    assert other != customer.sender_id
    assert customer_sender_id(customer.customer_id + 1) != customer.sender_id


def test_a_relayed_turn_proves_only_what_the_gateway_proved(careline_stack: CarelineStack):
    """Attack: post a turn straight to a replica's ``/webhooks/whatsapp/turn`` (the route the
    Twilio gateway relays to), without the Rasa token, or with it but claiming a customer in
    the metadata instead of the gateway's proof fields."""
    tom = _customer_id(careline_stack, DEMO_ACCOUNT)
    url = f"{careline_stack.rasa_url}/webhooks/whatsapp/turn"
    sender = f"relay-forger-{secrets.token_hex(4)}"
    turn = {"sender_id": sender, "text": "what is my balance", "message_id": "SM" + "f" * 32,
            "metadata": {"channel": "whatsapp", "customer_id": tom, "verified": True}}
    assert requests.post(url, json=turn, timeout=60).status_code == 401
    assert _user_events(careline_stack, sender) == []
    reply = requests.post(url, json=turn, timeout=60,
                          headers={"Authorization": f"Bearer {careline_stack.token}"})
    assert reply.status_code == 200
    said = " ".join(m.get("text") or "" for m in reply.json()["messages"])
    assert "£" not in said and "account number" in said
    assert _slots(careline_stack, sender)["customer_id"] is None
