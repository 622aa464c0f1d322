"""The channel store on both backends: its writes are dialect-specific upserts."""

from __future__ import annotations

import pytest

from careline.channels.conversation_key import customer_sender_id
from careline.channels.schemas import Choice, TwilioInbound
from careline.channels.store import ChannelStore


@pytest.fixture()
def store(backend_store: ChannelStore) -> ChannelStore:
    return backend_store


def _claim(store: ChannelStore, message_sid: str, channel: str = "sms",
           idempotency_token: str | None = None) -> bool:
    inbound = TwilioInbound(channel=channel, message_sid=message_sid,
                            raw_from="+447700900123", body="hello")
    return store.claim_inbound(inbound=inbound, proved_by="sms_number", lease_seconds=60,
                               idempotency_token=idempotency_token)


def test_a_message_sid_is_claimed_once_and_retries_counted(store: ChannelStore):
    assert _claim(store, "SM1", idempotency_token="tok") is True
    assert _claim(store, "SM1", idempotency_token="tok") is False
    assert _claim(store, "SM1") is False
    assert store.duplicates_of(message_sid="SM1") == 2


def test_claims_survive_a_new_store_on_the_same_database(database):
    assert _claim(ChannelStore(database), "SM2", "whatsapp")
    assert not _claim(ChannelStore(database), "SM2", "whatsapp")


def test_latest_route_is_the_channel_last_heard_and_new_messages_forget_choices(store):
    store.remember_route(sender_id=customer_sender_id(7), channel="sms", address="+447700900123")
    store.offer_choices(sender_id=customer_sender_id(7), channel="sms",
                        choices=[Choice("Yes", "/affirm"), Choice("No", "/deny")])
    offered = store.route(sender_id=customer_sender_id(7), channel="sms").offered_choices
    assert offered[1].payload == "/deny"
    store.remember_route(sender_id=customer_sender_id(7), channel="whatsapp",
                         address="+447700900123")
    assert store.route(sender_id=customer_sender_id(7)).channel == "whatsapp"
    store.remember_route(sender_id=customer_sender_id(7), channel="sms", address="+447700900123")
    route = store.route(sender_id=customer_sender_id(7))
    assert route.channel == "sms" and route.offered_choices == ()


def test_status_callbacks_update_or_create_deliveries(store):
    store.record_delivery(channel="sms", to_address="+447700900123", status="queued",
                          attempts=1, message_sid="SMa")
    assert store.update_status(message_sid="SMa", status="undelivered", error_code="30003",
                               error_message=None, channel="sms", to_address="+447700900123")
    assert store.update_status(message_sid="SMb", status="failed", error_code="30008",
                               error_message=None, channel="sms", to_address="+4477")
    held = {d.message_sid: (d.status, d.error_code, d.attempts) for d in store.deliveries()}
    assert held == {"SMa": ("undelivered", "30003", 1), "SMb": ("failed", "30008", 1)}
    assert [d.message_sid for d in store.deliveries(status="undelivered")] == ["SMa"]


def test_a_status_callback_racing_ahead_of_the_send_record_keeps_its_status(store):
    store.update_status(message_sid="SMr", status="delivered", error_code=None,
                        error_message=None, channel="sms", to_address="+447700900123")
    store.record_delivery(channel="sms", to_address="+447700900123", status="queued",
                          attempts=2, message_sid="SMr", sender_id=customer_sender_id(3))
    [record] = store.deliveries()
    assert (record.status, record.attempts, record.sender_id) == (
        "delivered", 2, customer_sender_id(3))


def test_a_late_callback_never_steps_a_delivery_back(store):
    store.record_delivery(channel="sms", to_address="+447700900123", status="queued",
                          attempts=1, message_sid="SMl")
    assert store.update_status(message_sid="SMl", status="delivered", error_code=None,
                               error_message=None, channel="sms", to_address="+447700900123")
    assert not store.update_status(message_sid="SMl", status="sent", error_code=None,
                                   error_message=None, channel="sms",
                                   to_address="+447700900123")
    assert store.update_status(message_sid="SMl", status="read", error_code=None,
                               error_message=None, channel="whatsapp",
                               to_address="+447700900123")
    assert [d.status for d in store.deliveries()] == ["read"]


def test_sends_that_never_reached_twilio_are_each_recorded(store):
    for reason in ("opted out", "no route"):
        store.record_delivery(channel="sms", to_address="+447700900123", status="refused",
                              attempts=0, error_message=reason)
    assert sorted(d.error_message for d in store.deliveries(status="refused")) == [
        "no route", "opted out"]


def test_remembering_a_route_returns_the_one_before(store):
    assert store.remember_route(sender_id="+447700900123", channel="sms",
                                address="+447700900123") is None
    store.offer_choices(sender_id="+447700900123", channel="sms", choices=[Choice("A", "/a")])
    previous = store.remember_route(sender_id="+447700900123", channel="sms",
                                    address="+447700900123")
    assert previous.offered_choices == (Choice("A", "/a"),)
