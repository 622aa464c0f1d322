"""Web chat presence in the database, as proactive routing reads it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from careline.channels.conversation_key import customer_sender_id
from careline.db.session import session_scope
from careline.proactive.audience import recipients_in_areas
from careline.proactive.planner import choose_mode
from careline.proactive.schemas import DeliveryMode
from careline.webchat.presence import STALE_AFTER, PresenceStore, touch_connections


def _recipient(engine, customer_id: int, now: datetime):
    with session_scope(engine) as session:
        found = recipients_in_areas(session=session, areas=["M1"], now=now,
                                    timezone="Europe/London", webchat_window=STALE_AFTER)
    return next(r for r in found if r.customer_id == customer_id)


def test_a_connected_customer_is_reached_in_the_chat_and_by_sms_once_gone(
        engine, add_area, add_customer):
    add_area("M1")
    person = add_customer(area="M1", preferred="webchat", web=True)
    store = PresenceStore(engine)
    now = datetime.now(timezone.utc)
    assert _recipient(engine, person.id, now).webchat_conversation is None

    store.connected(connection_id="sid-1", sender_id=customer_sender_id(person.id),
                    customer_id=person.id)
    store.connected(connection_id="sid-2", sender_id=customer_sender_id(person.id),
                    customer_id=person.id)  # a second tab
    recipient = _recipient(engine, person.id, datetime.now(timezone.utc))
    assert recipient.webchat_conversation == customer_sender_id(person.id)
    assert choose_mode(recipient, now=now) == (DeliveryMode.WEBCHAT, customer_sender_id(person.id))

    store.disconnected(connection_id="sid-1")
    assert store.live(customer_ids=[person.id]) == {person.id: customer_sender_id(person.id)}
    store.disconnected(connection_id="sid-2")
    recipient = _recipient(engine, person.id, datetime.now(timezone.utc))
    assert recipient.webchat_conversation is None
    assert choose_mode(recipient, now=now) == (DeliveryMode.SMS, person.msisdn)


def test_a_connection_left_by_a_dead_process_goes_stale_unless_refreshed(
        engine, add_area, add_customer):
    add_area("M1")
    person = add_customer(area="M1", preferred="webchat", web=True)
    store = PresenceStore(engine)
    store.connected(connection_id="sid-9", sender_id=customer_sender_id(person.id),
                    customer_id=person.id)
    later = datetime.now(timezone.utc) + STALE_AFTER + timedelta(seconds=5)
    assert _recipient(engine, person.id, later).webchat_conversation is None
    with session_scope(engine) as session:  # the serving process's heartbeat
        touch_connections(session=session, connection_ids=["sid-9"], at=later)
    assert _recipient(engine, person.id, later).webchat_conversation == customer_sender_id(
        person.id)


def test_a_customer_who_opted_out_of_web_chat_is_not_told_there(engine, add_area, add_customer):
    add_area("M1")
    person = add_customer(area="M1", preferred="webchat", web=True, opted_out=("webchat",))
    PresenceStore(engine).connected(connection_id="sid-3", sender_id=customer_sender_id(person.id),
                                    customer_id=person.id)
    recipient = _recipient(engine, person.id, datetime.now(timezone.utc))
    assert choose_mode(recipient, now=datetime.now(timezone.utc)) == (DeliveryMode.SMS,
                                                                       person.msisdn)
