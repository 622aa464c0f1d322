"""Each recorded send names the turn that sent it (its correlation id), on both backends,
even when Twilio's status callback for it was recorded first."""

from __future__ import annotations

from careline.channels.schemas import DeliveryRecord
from careline.channels.sender import RetryPolicy, SenderIdentity, TwilioSender
from careline.observability import correlation


async def test_a_reply_is_recorded_under_its_turns_id(settings_for, store, standin):
    sender = TwilioSender(settings=settings_for, store=store, retry=RetryPolicy(attempts=1),
                          identity=SenderIdentity(channel="sms", from_number="+15005550006"))
    correlation.use("SMinboundturn0001")
    await sender.send(to="+447700900123", body="Your balance is £12.00.")
    correlation.use("SMinboundturn0002")
    await sender.refuse(to="+447700900124", reason="opted out")
    await sender.close()
    assert [(d.status, d.correlation_id) for d in store.deliveries()] == [
        ("queued", "SMinboundturn0001"), ("refused", "SMinboundturn0002")]


def test_a_callback_that_raced_ahead_gets_the_sends_correlation_id(backend_store):
    backend_store.update_status(message_sid="SMout0001", status="delivered", error_code=None,
                                error_message=None, channel="sms", to_address="+447700900125")
    backend_store.record_deliveries([DeliveryRecord(
        message_sid="SMout0001", channel="sms", sender_id="c-1", to_address="+447700900125",
        status="queued", error_code=None, error_message=None, attempts=1,
        correlation_id="SMinboundturn0003")])
    [delivery] = backend_store.deliveries(to_address="+447700900125")
    assert (delivery.status, delivery.correlation_id) == ("delivered", "SMinboundturn0003")
