"""Which identity a turn's channel metadata proves, and what it leaves alone."""

from careline.identity.channel_trust import identity_changes

ANONYMOUS = {"channel": None, "customer_id": None, "verified": False, "second_factor": False}
SMS = {"channel": "sms", "customer_id": 7, "verified": True, "address": "+447700900102"}


def test_metadata_is_trusted_only_from_its_own_channel():
    assert identity_changes(SMS, "sms", ANONYMOUS) == {
        "channel": "sms", "customer_id": 7, "verified": True}
    assert identity_changes(SMS, "rest", ANONYMOUS) == {"channel": "rest"}
    whatsapp_claim = {**SMS, "channel": "whatsapp"}
    assert identity_changes(whatsapp_claim, "sms", ANONYMOUS) == {"channel": "sms"}


def test_an_unverified_or_non_integer_customer_proves_nothing():
    assert identity_changes({**SMS, "verified": False}, "sms", ANONYMOUS) == {"channel": "sms"}
    assert identity_changes({**SMS, "customer_id": "7"}, "sms", ANONYMOUS) == {"channel": "sms"}


def test_the_same_customer_again_changes_nothing():
    slots = {"channel": "sms", "customer_id": 7, "verified": True, "second_factor": True}
    assert identity_changes(SMS, "sms", slots) == {}


def test_a_web_chat_sign_in_survives_anonymous_metadata_on_later_turns():
    signed_in = {"channel": "webchat", "customer_id": 4, "verified": True, "second_factor": True}
    anonymous = {"channel": "webchat", "customer_id": None, "verified": False}
    assert identity_changes(anonymous, "webchat", signed_in) == {}


def test_another_customer_on_the_same_channel_replaces_the_first():
    slots = {"channel": "sms", "customer_id": 3, "verified": True, "second_factor": True}
    assert identity_changes(SMS, "sms", slots) == {
        "customer_id": 7, "second_factor": False}


def test_an_unproven_other_customer_forgets_the_earlier_one():
    slots = {"channel": "webchat", "customer_id": 3, "verified": True, "second_factor": True}
    unproven = {"channel": "webchat", "customer_id": 9, "verified": False}
    assert identity_changes(unproven, "webchat", slots) == {
        "customer_id": None, "verified": False, "second_factor": False}


def test_no_channel_at_all_counts_as_rest():
    assert identity_changes({}, None, ANONYMOUS) == {"channel": "rest"}
