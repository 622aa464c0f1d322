"""TwilioSender through the real twilio client against the stand-in."""

import pytest

from careline.channels.conversation_key import customer_sender_id
from careline.channels.sender import RetryPolicy, SenderIdentity, TwilioSender

FAST = RetryPolicy(attempts=3, first_delay=0.01)


def _sender(settings, store, channel="sms"):
    return TwilioSender(settings=settings, store=store, retry=FAST,
                        identity=SenderIdentity(channel=channel, from_number="+15005550006"))


async def test_a_message_reaches_the_standin_with_a_status_callback(settings_for, store, standin):
    sender = _sender(settings_for, store, "whatsapp")
    record = await sender.send(to="+447700900123", body="Hello there.",
                               sender_id=customer_sender_id(1))
    await sender.close()
    assert record.status == "queued" and record.attempts == 1
    [message] = standin.state.messages
    assert message.to == "whatsapp:+447700900123" and message.from_ == "whatsapp:+15005550006"
    assert message.status_callback == "http://127.0.0.1:9/webhooks/whatsapp/status"
    assert store.deliveries()[0].message_sid == message.sid


async def test_server_errors_are_retried_with_backoff(settings_for, store, standin):
    standin.state.faults.fail_next, standin.state.faults.fail_status = 2, 503
    sender = _sender(settings_for, store)
    record = await sender.send(to="+447700900123", body="Retried.")
    await sender.close()
    assert record.status == "queued" and record.attempts == 3
    assert len(standin.state.messages) == 1
    assert len(standin.state.requests) == 3


async def test_persistent_failure_is_recorded_not_raised(settings_for, store, standin):
    standin.state.faults.fail_next = 10
    sender = _sender(settings_for, store)
    record = await sender.send(to="+447700900123", body="Never arrives.")
    await sender.close()
    assert record.failed and record.attempts == 3
    assert [d.status for d in store.deliveries()] == ["failed"]


async def test_client_errors_are_not_retried(settings_for, store, standin):
    sender = _sender(settings_for, store)
    record = await sender.send(to="+447700900123", body="x" * 1700)
    await sender.close()
    assert record.failed and record.attempts == 1 and record.error_code == "21617"


async def test_wrong_credentials_are_refused_by_the_standin(standin, store):
    from careline.settings import Settings

    settings = Settings(twilio_api_base_url=standin.url, twilio_auth_token="wrong")
    sender = _sender(settings, store)
    record = await sender.send(to="+447700900123", body="Hi")
    await sender.close()
    assert record.failed and record.error_code == "20003"
    assert standin.state.messages == []


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
async def test_refusals_are_recorded(settings_for, store, channel):
    sender = _sender(settings_for, store, channel)
    record = await sender.refuse(to="+447700900123", reason="opted out")
    assert record.status == "refused" and record.failed
