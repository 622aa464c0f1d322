"""Who is writing, and how sure we are: the rule every customer turn applies.

Identity comes only from what Careline's own channel code proved before it handed the
turn to Rasa (a :class:`ChannelProof`: a valid Twilio signature and the sender's number,
a signed web chat token), and from the verification forms (a one-time code texted to
the number on file, a PIN). Never from the request body, the message metadata, entities
or an ``/intent{...}`` payload: a caller of a webhook writes those.

Each fact is recorded with what proved it and on which channel, because channels differ
in strength: an SMS sender id can be spoofed, a WhatsApp number cannot, a web token is
signed by the operator. A fact proven on one channel holds on a turn of an equally
strong or stronger channel, never on a weaker one, so an SMS turn in a customer's
shared conversation does not inherit a WhatsApp verification or a second factor passed
in web chat. Pure, so the Rasa hook that applies it
(:mod:`careline.rasa_integration.channel_identity`) stays a thin adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping, Optional


class Proof(str, Enum):
    """What proved a fact about the person writing."""

    SMS_NUMBER = "sms_number"  # names the line, but SMS sender ids are spoofable
    WHATSAPP_NUMBER = "whatsapp_number"
    WEB_TOKEN = "web_token"
    PIN = "pin"
    ONE_TIME_CODE = "one_time_code"  # texted to the number on file
    NOTHING = "nothing"  # an anonymous web visitor, an unknown number, a REST caller


#: How far each channel's own proof goes; a fact holds on channels at least this strong.
CHANNEL_STRENGTH = {"rest": 0, "sms": 1, "whatsapp": 2, "webchat": 2}
UNKNOWN = max(CHANNEL_STRENGTH.values()) + 1
#: The channel proofs that verify a customer by themselves, each on its own channel only.
VERIFYING = frozenset({("whatsapp", Proof.WHATSAPP_NUMBER), ("webchat", Proof.WEB_TOKEN)})

IDENTITY_SLOTS = ("channel", "customer_id", "customer_name", "verified", "verified_by",
                  "verified_channel", "second_factor", "second_factor_by",
                  "second_factor_channel")
NAMED_CUSTOMER_SLOT = "channel_customer_id"
NO_SECOND_FACTOR = {"second_factor": False, "second_factor_by": None,
                    "second_factor_channel": None}
NOBODY = {"customer_id": None, "customer_name": None, "verified": False, "verified_by": None,
          "verified_channel": None, **NO_SECOND_FACTOR}


@dataclass(frozen=True)
class ChannelProof:
    """What Careline's channel code proved about one turn, before Rasa saw it."""

    channel: str
    #: The conversation the proof is for; the hook ignores it in any other conversation.
    sender_id: str
    customer_id: Optional[int]
    proved_by: Proof

    @property
    def verifies(self) -> bool:
        return self.customer_id is not None and (self.channel, self.proved_by) in VERIFYING


def holds_on(channel: str, proven_on: Optional[str]) -> bool:
    """Whether a fact proven on ``proven_on`` still holds on a turn of ``channel``."""
    if proven_on is None:
        return False
    if proven_on == channel:
        return True
    # an unknown channel proves nothing; a fact from an unknown one holds only there
    return CHANNEL_STRENGTH.get(channel, 0) >= CHANNEL_STRENGTH.get(proven_on, UNKNOWN)


def verified_slots(proved_by: Proof, channel: Optional[str]) -> dict[str, Any]:
    """The slots of a verification ``proved_by`` passed on ``channel``."""
    return {"verified": True, "verified_by": proved_by.value, "verified_channel": channel}


def second_factor_slots(proved_by: Proof, channel: Optional[str]) -> dict[str, Any]:
    """The slots of a second factor ``proved_by`` passed on ``channel``."""
    return {"second_factor": True, "second_factor_by": proved_by.value,
            "second_factor_channel": channel}


def identity_changes(proof: Optional[ChannelProof],
                     slots: Mapping[str, Any]) -> dict[str, Any]:
    """The identity slots this turn changes (name → new value); empty when nothing does.

    No proof (an external intent, a reminder) changes nothing. A proof that verifies a
    customer sets them, unless their verification already holds; a proof for someone
    else, or a channel too weak for the verification on record, forgets the customer;
    a channel too weak for the second factor on record asks for it again.
    """
    if proof is None:
        return {}
    channel = proof.channel
    current = slots.get("customer_id")
    verification_holds = bool(slots.get("verified")) and holds_on(
        channel, slots.get("verified_channel"))
    factor_holds = verification_holds and bool(slots.get("second_factor")) and holds_on(
        channel, slots.get("second_factor_channel"))
    wanted: dict[str, Any] = {"channel": channel}
    if proof.verifies and not (verification_holds and current == proof.customer_id):
        wanted.update(NOBODY, customer_id=proof.customer_id,
                      **verified_slots(proof.proved_by, channel))
    elif current is not None and (not verification_holds
                                  or proof.customer_id not in (None, current)):
        wanted.update(NOBODY)
    elif not factor_holds:
        wanted.update(NO_SECOND_FACTOR)
    return {name: value for name, value in wanted.items() if slots.get(name) != value}


def named_customer_changes(proof: Optional[ChannelProof],
                           slots: Mapping[str, Any]) -> dict[str, Any]:
    """``channel_customer_id``: whom this turn's address names, verified or not.

    An SMS number names its line without proving who holds it. Actions read it only to
    triage (history for priority, a frustrated repeat contact to a person at once) and to
    text a sign-in code to that number on file; they disclose nothing from it.
    """
    if proof is None or slots.get(NAMED_CUSTOMER_SLOT) == proof.customer_id:
        return {}
    return {NAMED_CUSTOMER_SLOT: proof.customer_id}
