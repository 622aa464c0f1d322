"""The contact rules, pure: every channel's governing opt-out and the WhatsApp window's edges."""

from datetime import datetime, timedelta, timezone

import pytest

from careline.profile.contacts import (
    OPT_OUT_KINDS, PHONE_LOOKUP_KINDS, WHATSAPP_WINDOW, opted_out_channels, whatsapp_window_open,
)
from careline.profile.enums import Channel, IdentityKind
from careline.profile.identity import candidate_identities

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=timezone.utc)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(("last", "open_"), [
    (None, False),
    (NOW, True),
    (NOW - timedelta(hours=2), True),
    (NOW - WHATSAPP_WINDOW, True),
    (NOW - WHATSAPP_WINDOW - TICK, False),
    (NOW - timedelta(hours=30), False),
])
def test_the_whatsapp_window_is_open_for_24_hours_after_the_customers_last_message(last, open_):
    assert whatsapp_window_open(last, now=NOW) is open_


def test_the_window_is_24_hours():
    assert WHATSAPP_WINDOW == timedelta(hours=24)


@pytest.mark.parametrize(("kind", "stopped"), [
    (IdentityKind.MSISDN, {Channel.SMS, Channel.VOICE}),
    (IdentityKind.WHATSAPP, {Channel.WHATSAPP}),
    (IdentityKind.EMAIL, {Channel.EMAIL, Channel.WEBCHAT}),
    (IdentityKind.WEB_ACCOUNT, {Channel.WEBCHAT}),
    (IdentityKind.ACCOUNT_NUMBER, set()),
])
def test_an_identitys_opt_out_stops_exactly_the_channels_it_governs(kind, stopped):
    assert opted_out_channels([(kind, True)]) == stopped
    assert opted_out_channels([(kind.value, True)]) == stopped  # as the rows hold it
    assert opted_out_channels([(kind, False)]) == frozenset()


def test_a_customer_with_several_identities_is_stopped_only_where_one_opted_out():
    identities = [(IdentityKind.MSISDN, False), (IdentityKind.WHATSAPP, True),
                  (IdentityKind.WEB_ACCOUNT, False)]
    assert opted_out_channels(identities) == {Channel.WHATSAPP}


def test_channels_without_opt_outs_keep_none():
    assert Channel.REST not in OPT_OUT_KINDS and Channel.TERMINAL not in OPT_OUT_KINDS


@pytest.mark.parametrize(("channel", "tried"), [
    (Channel.SMS, [IdentityKind.MSISDN]),
    (Channel.VOICE, [IdentityKind.MSISDN]),
    (Channel.WHATSAPP, [IdentityKind.WHATSAPP, IdentityKind.MSISDN]),
])
def test_a_number_is_looked_up_as_its_channels_identities_in_order(channel, tried):
    """Bulk sends and the profile's find_customer try the same identities."""
    assert list(PHONE_LOOKUP_KINDS[channel]) == tried
    assert candidate_identities(channel, "07700 900150", region="GB") == [
        (kind, "+447700900150") for kind in tried]
