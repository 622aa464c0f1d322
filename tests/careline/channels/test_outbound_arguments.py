import pytest

from careline.channels.outbound import OutboundRefused, send_outbound


@pytest.mark.parametrize("kwargs", [
    {"channel": "webchat", "address": "+447700900123", "text": "hi"},
    {"channel": "sms", "address": "+447700900123"},
    {"channel": "sms", "address": "not a number", "text": "hi"},
])
async def test_bad_requests_are_refused_with_a_reason(kwargs, database):
    with pytest.raises(OutboundRefused):
        await send_outbound(**kwargs)
