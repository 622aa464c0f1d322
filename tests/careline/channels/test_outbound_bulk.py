"""The bulk outbound door: one sender per channel, contacts per batch, deliveries per batch."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from careline.channels.conversation_key import customer_sender_id
from careline.channels.outbound import Outbound, Template
from careline.db.session import session_scope
from careline.profile.models import Customer, CustomerIdentity, NetworkArea

FAN, STOPPED, WHATSAPP_FAN = "+447700900101", "+447700900102", "+447700900103"
STRANGER = "+447700900199"


def _customers(engine, store) -> dict[str, int]:
    """A customer per number; STOPPED sent STOP; WHATSAPP_FAN wrote on WhatsApp an hour ago."""
    ids = {}
    with session_scope(engine) as session:
        session.add(NetworkArea(code="LS6", name="Headingley", region="Yorkshire"))
        session.flush()
        for n, number in enumerate((FAN, STOPPED, WHATSAPP_FAN)):
            customer = Customer(
                account_number=f"AC9{n}", first_name="Sam", last_name=f"Bulk{n}",
                segment="postpaid", customer_since=date(2020, 1, 1), address_line1="1 High St",
                town="Leeds", postcode="LS6 1AA", area_code="LS6", preferred_channel="sms",
                marketing_opt_in=False, outage_notifications=True,
                created_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
            session.add(customer)
            session.flush()
            session.add(CustomerIdentity(customer_id=customer.id, kind="msisdn", value=number,
                                         opted_out=number == STOPPED))
            ids[number] = customer.id
    store.remember_route(sender_id=customer_sender_id(ids[WHATSAPP_FAN]), channel="whatsapp",
                         address=WHATSAPP_FAN,
                         at=datetime.now(timezone.utc) - timedelta(hours=1))
    return ids


async def test_a_batch_is_checked_in_bulk_sent_through_one_client_and_stored_at_flush(
        settings_for, store, database, standin):
    ids = _customers(database, store)
    outbound = Outbound(settings=settings_for, store=store, engine=database, batch_records=True)
    contacts = await outbound.lookup(channel="sms", numbers=[FAN, STOPPED, STRANGER])
    assert contacts[FAN].customer_id == ids[FAN] and not contacts[FAN].opted_out
    assert contacts[STOPPED].opted_out and contacts[STRANGER] is None

    results = [await outbound.send(channel="sms", address=number, text="Service notice.",
                                   contacts=contacts) for number in (FAN, STOPPED, STRANGER)]
    assert [r.sent for r in results] == [True, False, False]
    assert results[1].reason == "opted out of sms"
    assert results[2].reason == "not a known customer: no consent on record"
    assert outbound.sender("sms") is outbound.sender("sms")
    assert [m.to for m in standin.state.messages] == [FAN]
    assert store.deliveries() == []  # nothing stored per message

    assert await outbound.flush() == 3
    await outbound.close()
    stored = {d.to_address: (d.status, d.sender_id) for d in store.deliveries()}
    assert stored == {FAN: ("queued", customer_sender_id(ids[FAN])),
                      STOPPED: ("refused", customer_sender_id(ids[STOPPED])),
                      STRANGER: ("refused", None)}


async def test_whatsapp_keeps_the_window_and_a_status_callback_that_raced_ahead_wins(
        settings_for, store, database, standin):
    _customers(database, store)
    outbound = Outbound(settings=settings_for, store=store, engine=database, batch_records=True)
    contacts = await outbound.lookup(channel="whatsapp", numbers=[FAN, WHATSAPP_FAN])
    closed = await outbound.send(channel="whatsapp", address=FAN, text="Hi", contacts=contacts)
    assert not closed.sent and "24-hour window closed" in (closed.reason or "")
    template = await outbound.send(channel="whatsapp", address=FAN, contacts=contacts,
                                   template=Template(content_sid="HX123", variables={"1": "LS6"}))
    session = await outbound.send(channel="whatsapp", address=WHATSAPP_FAN, text="Hi",
                                  contacts=contacts)
    assert template.sent and session.sent
    sid = session.deliveries[0].message_sid
    store.update_status(message_sid=sid, status="delivered", error_code=None,
                        error_message=None, channel="whatsapp", to_address=WHATSAPP_FAN)
    await outbound.close()  # flushes
    statuses = {d.message_sid: d.status for d in store.deliveries() if d.message_sid}
    assert statuses[sid] == "delivered"
    assert len(store.deliveries()) == 3
