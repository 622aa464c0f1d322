"""A Twilio turn's first step: the customer and their route in one thread hop, with the
failures of each kept apart. Real databases; a profile store that refuses connections,
and one that accepts them and never answers."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone
from typing import AsyncIterator, Iterator

import pytest
from rasa.core.channels.channel import UserMessage
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from careline.channels.arrival import arrive
from careline.channels.schemas import Choice, TwilioInbound
from careline.channels.store import ChannelStore
from careline.channels.twilio_channel import APOLOGY, SmsChannel
from careline.db.session import get_engine, session_scope
from careline.profile.models import Customer, CustomerIdentity, NetworkArea
from careline.settings import reset_settings

NUMBER = "+447700900123"


def _customer(engine: Engine) -> int:
    with session_scope(engine) as session:
        session.add(NetworkArea(code="LS6", name="Headingley", region="Yorkshire"))
        session.flush()
        customer = Customer(
            account_number="AC71", first_name="Ada", last_name="Arrival", segment="postpaid",
            customer_since=date(2020, 1, 1), address_line1="1 High St", town="Leeds",
            postcode="LS6 1AA", area_code="LS6", preferred_channel="sms",
            marketing_opt_in=False, outage_notifications=True,
            created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
        session.add(customer)
        session.flush()
        session.add(CustomerIdentity(customer_id=customer.id, kind="msisdn", value=NUMBER))
        return customer.id


def _profile_store_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Profile lookups (the settings' database) go to ``url``; the channel store keeps its own."""
    monkeypatch.setenv("CARELINE_DATABASE_URL", url)
    reset_settings()
    get_engine.cache_clear()


@pytest.fixture()
async def silent_server() -> AsyncIterator[int]:
    """A port that accepts connections and never says a word (a hung database)."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


@pytest.fixture()
def broken_store(tmp_path) -> Iterator[ChannelStore]:
    """A channel store whose database has no tables: every write fails."""
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}", future=True)
    yield ChannelStore(engine)
    engine.dispose()


async def test_a_known_number_gets_the_customers_conversation_and_its_route(database, store):
    customer_id = _customer(database)
    first = await arrive(channel="sms", raw_address=NUMBER, store=store)
    assert (first.key.sender_id, first.key.customer_id) == (f"customer-{customer_id}",
                                                            customer_id)
    assert first.route() is None and not first.key.profile_unavailable
    assert store.route(sender_id=first.key.sender_id, channel="sms").address == NUMBER
    store.offer_choices(sender_id=first.key.sender_id, channel="sms",
                        choices=[Choice(title="Pay my bill", payload="/pay")])
    again = await arrive(channel="sms", raw_address="07700 900123", store=store)
    assert again.key == first.key
    assert [c.payload for c in again.route().offered_choices] == ["/pay"]


async def test_a_failing_profile_store_goes_on_without_the_profile(database, store,
                                                                    monkeypatch):
    _profile_store_at("postgresql://postgres@127.0.0.1:1/nowhere", monkeypatch)
    arrival = await arrive(channel="sms", raw_address=NUMBER, store=store)
    assert (arrival.key.sender_id, arrival.key.profile_unavailable) == (NUMBER, True)
    assert arrival.route() is None
    assert store.route(sender_id=NUMBER, channel="sms").address == NUMBER


async def test_a_profile_store_that_never_answers_is_given_up_on(database, store, monkeypatch,
                                                                  silent_server):
    _profile_store_at(f"postgresql://postgres@127.0.0.1:{silent_server}/hung", monkeypatch)
    monkeypatch.setenv("CARELINE_DB_TIMEOUT_SECONDS", "0.5")
    reset_settings()
    arrival = await asyncio.wait_for(arrive(channel="sms", raw_address=NUMBER, store=store), 10)
    assert (arrival.key.sender_id, arrival.key.profile_unavailable) == (NUMBER, True)
    assert arrival.route() is None
    assert store.route(sender_id=NUMBER, channel="sms").address == NUMBER


async def test_a_route_that_cannot_be_stored_fails_the_turn_with_an_apology(
        database, broken_store, settings_for, standin):
    customer_id = _customer(database)
    arrival = await arrive(channel="sms", raw_address=NUMBER, store=broken_store)
    assert arrival.key.customer_id == customer_id and arrival.failure is not None
    with pytest.raises(type(arrival.failure)):
        arrival.route()

    seen: list[UserMessage] = []

    async def rasa(message: UserMessage) -> None:
        seen.append(message)

    channel = SmsChannel(settings=settings_for, store=broken_store, from_number="+15005550006")
    try:
        await channel._turn(TwilioInbound(channel="sms", message_sid="SMroute1",
                                          raw_from=NUMBER, body="hi"), rasa)
    finally:
        await channel.sender.close()
    assert seen == [] and standin.texts_to(NUMBER) == [APOLOGY]
