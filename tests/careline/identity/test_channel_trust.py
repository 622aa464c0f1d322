"""Which identity a turn's channel proof sets, what it keeps, and what a weaker channel loses."""

from __future__ import annotations

import itertools
from typing import Any, Optional

import pytest

from careline.identity.channel_trust import (
    CHANNEL_STRENGTH, IDENTITY_SLOTS, ChannelProof, Proof, holds_on, identity_changes,
    second_factor_slots, verified_slots,
)

ANONYMOUS: dict[str, Any] = {"channel": None, "customer_id": None, "verified": False,
                             "second_factor": False}
CHANNELS = ("rest", "sms", "whatsapp", "webchat")
PROOFS = {"rest": Proof.NOTHING, "sms": Proof.SMS_NUMBER, "whatsapp": Proof.WHATSAPP_NUMBER,
          "webchat": Proof.WEB_TOKEN}


def proof(channel: str, customer_id: Optional[int] = 7,
          proved_by: Optional[Proof] = None) -> ChannelProof:
    return ChannelProof(channel=channel, sender_id="conv", customer_id=customer_id,
                        proved_by=proved_by or PROOFS[channel])


def signed_in(customer_id: int, channel: str, *, factor_on: Optional[str] = None,
              by: Proof = Proof.ONE_TIME_CODE) -> dict[str, Any]:
    slots = {"channel": channel, "customer_id": customer_id, "customer_name": "Ada",
             "second_factor": False, **verified_slots(by, channel)}
    if factor_on is not None:
        slots.update(second_factor_slots(Proof.PIN, factor_on))
    return slots


def test_whatsapp_and_a_web_token_verify_their_customer():
    for channel, by in (("whatsapp", "whatsapp_number"), ("webchat", "web_token")):
        assert identity_changes(proof(channel), ANONYMOUS) == {
            "channel": channel, "customer_id": 7, "verified": True, "verified_by": by,
            "verified_channel": channel}


def test_an_sms_number_names_a_customer_but_never_verifies_them():
    assert identity_changes(proof("sms"), ANONYMOUS) == {"channel": "sms"}


def test_a_proof_verifies_only_on_its_own_channel():
    """A relayed turn that says an SMS number was vouched for like a WhatsApp one proves
    nothing more than an SMS number."""
    for channel, by in itertools.product(CHANNELS, Proof):
        verifies = (channel, by) in {("whatsapp", Proof.WHATSAPP_NUMBER),
                                     ("webchat", Proof.WEB_TOKEN)}
        assert proof(channel, 7, by).verifies is verifies, (channel, by)
        assert proof(channel, None, by).verifies is False


def test_no_proof_changes_nothing():
    """External intents and reminders carry no proof: a verified conversation stays so."""
    assert identity_changes(None, signed_in(7, "whatsapp", factor_on="whatsapp")) == {}
    assert identity_changes(None, ANONYMOUS) == {}


def test_rest_proves_nobody_and_keeps_only_its_own_sign_in():
    assert identity_changes(proof("rest", None), ANONYMOUS) == {"channel": "rest"}
    assert identity_changes(proof("rest", None), signed_in(7, "rest", factor_on="rest")) == {}


def test_the_same_customer_again_changes_nothing():
    slots = signed_in(7, "whatsapp", factor_on="whatsapp", by=Proof.WHATSAPP_NUMBER)
    assert identity_changes(proof("whatsapp"), slots) == {}


def test_a_sign_in_survives_anonymous_turns_on_its_own_channel():
    assert identity_changes(proof("webchat", None, Proof.NOTHING),
                            signed_in(4, "webchat", factor_on="webchat")) == {}
    assert identity_changes(proof("sms", None), signed_in(4, "sms", factor_on="sms")) == {}


def test_an_sms_turn_never_inherits_a_stronger_channels_verification():
    """A spoofed SMS from a customer's number into the conversation their WhatsApp or
    web chat verified: the SMS turn is nobody until it signs in itself."""
    for stronger in ("whatsapp", "webchat"):
        slots = signed_in(7, stronger, factor_on=stronger, by=PROOFS[stronger])
        changes = identity_changes(proof("sms"), slots)
        assert changes["verified"] is False and changes["customer_id"] is None
        assert changes["second_factor"] is False and changes["second_factor_channel"] is None
        assert changes["verified_by"] is None and changes["customer_name"] is None


def test_a_second_factor_from_a_stronger_channel_is_asked_again_on_a_weaker_one():
    slots = signed_in(7, "sms", factor_on="whatsapp")
    assert identity_changes(proof("sms"), slots) == {
        "second_factor": False, "second_factor_by": None, "second_factor_channel": None}


def test_facts_from_a_weaker_channel_hold_on_a_stronger_one():
    slots = signed_in(7, "sms", factor_on="sms")
    assert identity_changes(proof("whatsapp"), slots) == {"channel": "whatsapp"}
    assert identity_changes(proof("webchat"), slots) == {"channel": "webchat"}


def test_whatsapp_and_web_chat_are_equally_strong():
    slots = signed_in(7, "webchat", factor_on="webchat", by=Proof.WEB_TOKEN)
    assert identity_changes(proof("whatsapp"), slots) == {"channel": "whatsapp"}


def test_another_verified_customer_replaces_the_first_without_their_second_factor():
    slots = signed_in(3, "whatsapp", factor_on="whatsapp")
    changes = identity_changes(proof("whatsapp", 7), slots)
    assert changes["customer_id"] == 7 and changes["verified_by"] == "whatsapp_number"
    assert changes["second_factor"] is False and changes["customer_name"] is None


def test_an_unproven_other_customer_forgets_the_earlier_one():
    changes = identity_changes(proof("sms", 9), signed_in(3, "sms", factor_on="sms"))
    assert changes["customer_id"] is None and changes["verified"] is False


def test_a_verification_without_its_channel_is_not_trusted():
    """A tracker verified before channels were recorded: verified again, not carried on."""
    legacy = {"channel": "whatsapp", "customer_id": 7, "verified": True, "second_factor": True}
    assert identity_changes(proof("sms"), legacy)["verified"] is False
    assert identity_changes(proof("whatsapp"), legacy)["verified_channel"] == "whatsapp"


@pytest.mark.parametrize("turn, proven_on", itertools.product([*CHANNELS, "fax"],
                                                              [*CHANNELS, "fax", None]))
def test_a_fact_holds_exactly_on_channels_at_least_as_strong(turn: str, proven_on: str):
    expected = proven_on is not None and (turn == proven_on or (
        proven_on in CHANNEL_STRENGTH and CHANNEL_STRENGTH.get(turn, 0)
        >= CHANNEL_STRENGTH[proven_on]))
    assert holds_on(turn, proven_on) is expected


@pytest.mark.parametrize("turn, verified_on, factor_on", itertools.product(
    CHANNELS, CHANNELS, [*CHANNELS, None]))
def test_every_turn_leaves_only_facts_its_channel_may_hold(turn: str, verified_on: str,
                                                           factor_on: Optional[str]):
    """Exhaustively: after any proven turn, the verification and second factor on record
    were passed on a channel no stronger than this turn's."""
    slots = signed_in(7, verified_on, factor_on=factor_on)
    after = {**slots, **identity_changes(proof(turn), slots)}
    assert set(after) <= set(IDENTITY_SLOTS)
    if after["verified"]:
        assert holds_on(turn, after["verified_channel"])
    if after["second_factor"]:
        assert after["verified"] and holds_on(turn, after["second_factor_channel"])
    if (turn, PROOFS[turn]) in {("whatsapp", Proof.WHATSAPP_NUMBER),
                                ("webchat", Proof.WEB_TOKEN)}:
        assert after["verified"] and after["customer_id"] == 7
