"""channel_customer_id: whom a turn's address names, kept apart from verification."""

from careline.identity.channel_trust import (
    ChannelProof, Proof, identity_changes, named_customer_changes,
)


def _proof(channel: str, customer_id, proved_by: Proof) -> ChannelProof:
    return ChannelProof(channel=channel, sender_id="conv", customer_id=customer_id,
                        proved_by=proved_by)


def test_an_sms_number_names_its_customer_without_verifying_them():
    sms = _proof("sms", 7, Proof.SMS_NUMBER)
    assert named_customer_changes(sms, {}) == {"channel_customer_id": 7}
    changes = identity_changes(sms, {"channel": None, "customer_id": None, "verified": False,
                                     "second_factor": False})
    assert changes == {"channel": "sms"}  # nobody verified, customer_id left unset


def test_an_unknown_sender_names_nobody_and_no_proof_changes_nothing():
    assert named_customer_changes(_proof("webchat", None, Proof.NOTHING),
                                  {"channel_customer_id": 7}) == {"channel_customer_id": None}
    assert named_customer_changes(None, {"channel_customer_id": 7}) == {}
    assert named_customer_changes(_proof("sms", 7, Proof.SMS_NUMBER),
                                  {"channel_customer_id": 7}) == {}
