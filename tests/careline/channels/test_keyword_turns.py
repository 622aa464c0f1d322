"""Every keyword is acknowledged, for every valid number: STOP, START and HELP by the channel
(recorded on the customer's identity when the number is one), CALLBACK by the conversation or,
when nobody answered it in the turn (a paused conversation), by the channel. Real twilio
client and stand-in, a migrated database."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import AsyncIterator, Awaitable, Callable, Optional

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from careline.channels.keywords import REPLIES, Keyword
from careline.channels.phone_channel import PhoneChannel
from careline.channels.schemas import TwilioInbound
from careline.channels.store import ChannelStore
from careline.channels.apology import APOLOGY
from careline.channels.twilio_turns import PhoneTurn
from careline.db.session import session_scope
from careline.profile.models.crm import Customer, CustomerIdentity
from careline.settings import Settings

#: A number Twilio delivers but libphonenumber's metadata does not place in use yet.
UNPLACED = "+447700200123"
CUSTOMER = "+447700900104"


def _customer(engine: Engine, number: str) -> int:
    with session_scope(engine) as session:
        row = Customer(account_number="CL99990001", first_name="Gareth", last_name="Jones",
                       segment="postpaid", customer_since=date(2018, 9, 3),
                       address_line1="3 Bute Terrace", town="Cardiff", postcode="CF10 2FE",
                       area_code="CF10", created_at=datetime.now(timezone.utc))
        session.add(row)
        session.flush()
        for kind in ("msisdn", "whatsapp"):
            session.add(CustomerIdentity(customer_id=row.id, kind=kind, value=number))
        return int(row.id)


def _opted_out(engine: Engine, number: str) -> dict[str, bool]:
    with session_scope(engine) as session:
        return {kind: bool(out) for kind, out in session.execute(
            select(CustomerIdentity.kind, CustomerIdentity.opted_out)
            .where(CustomerIdentity.value == number))}


def _conversation(replies: list[str], seen: list[PhoneTurn]
                  ) -> Callable[[PhoneTurn], Awaitable[None]]:
    async def on_new_message(message: PhoneTurn) -> None:
        seen.append(message)
        for reply in replies:
            await message.output_channel.send_text_message(message.sender_id, reply)
    return on_new_message


def _inbound(channel: str, number: str, body: str, sid: str = "SMkeyword1",
             opt_out_type: Optional[str] = None) -> TwilioInbound:
    raw = f"whatsapp:{number}" if channel == "whatsapp" else number
    return TwilioInbound(channel=channel, message_sid=sid, raw_from=raw, body=body,
                         opt_out_type=opt_out_type)


@pytest.fixture(params=["sms", "whatsapp"])
async def channel(request: pytest.FixtureRequest, settings_for: Settings,
                  store: ChannelStore) -> AsyncIterator[PhoneChannel]:
    opened = PhoneChannel(request.param, settings=settings_for, store=store,
                          from_number="+15005550006")
    yield opened
    await opened.sender.close()


def _bodies(standin) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.body for m in standin.state.messages]


@pytest.mark.parametrize("number", [UNPLACED, "+61491570006"])
@pytest.mark.parametrize("word", ["STOP", "START", "HELP"])
async def test_carrier_keywords_from_a_number_we_do_not_know_are_acknowledged(
        channel, database, standin, number, word):
    seen: list[PhoneTurn] = []
    await channel.turns.turn(_inbound(channel.kind, number, word), _conversation([], seen))
    assert _bodies(standin) == [REPLIES[Keyword(word.lower())]]
    assert seen == []  # the bot never sees a carrier keyword


async def test_stop_then_start_from_a_customer_is_recorded_and_acknowledged(
        channel, database, standin):
    _customer(database, CUSTOMER)
    kind = "msisdn" if channel.kind == "sms" else "whatsapp"
    await channel.turns.turn(_inbound(channel.kind, CUSTOMER, "Stop."), _conversation([], []))
    assert _opted_out(database, CUSTOMER)[kind] is True
    await channel.turns.turn(_inbound(channel.kind, CUSTOMER, "start", sid="SMkeyword2"),
                             _conversation([], []))
    assert _opted_out(database, CUSTOMER)[kind] is False
    assert _bodies(standin) == [REPLIES[Keyword.STOP], REPLIES[Keyword.START]]


async def test_stop_is_acknowledged_even_when_the_profile_store_fails(
        channel, database, standin):
    _customer(database, CUSTOMER)
    with database.begin() as connection:  # the store cannot record the opt-out
        connection.exec_driver_sql(f"DROP TABLE {CustomerIdentity.__tablename__}")
    await channel.turns.turn(_inbound(channel.kind, CUSTOMER, "STOP"), _conversation([], []))
    assert _bodies(standin) == [REPLIES[Keyword.STOP]]
    assert APOLOGY not in _bodies(standin)


@pytest.mark.parametrize("number", [UNPLACED, CUSTOMER])
async def test_callback_in_a_paused_conversation_is_acknowledged(
        channel, database, standin, number):
    _customer(database, CUSTOMER)
    seen: list[PhoneTurn] = []
    await channel.turns.turn(_inbound(channel.kind, number, "CALLBACK"),
                             _conversation([], seen))
    assert [m.text for m in seen] == ["CALLBACK"]  # the desk reads it from the conversation
    assert _bodies(standin) == [REPLIES[Keyword.CALLBACK]]


async def test_callback_the_bot_answers_gets_no_second_acknowledgement(
        channel, database, standin):
    seen: list[PhoneTurn] = []
    await channel.turns.turn(_inbound(channel.kind, UNPLACED, "callback"),
                             _conversation(["Let me pass you to a person."], seen))
    assert _bodies(standin) == ["Let me pass you to a person."]


async def test_a_message_whose_route_cannot_be_stored_gets_the_apology(
        channel, database, standin):
    """The customer is looked up and the route stored in one trip to the database's
    thread: a failed route still leaves the customer an answer, and no turn without it."""
    with database.begin() as connection:
        connection.exec_driver_sql("DROP TABLE channel_routes")
    seen: list[PhoneTurn] = []
    await channel.turns.turn(_inbound(channel.kind, CUSTOMER, "what do I owe"),
                             _conversation(["Your balance is £60.00."], seen))
    assert seen == [] and _bodies(standin) == [APOLOGY]
