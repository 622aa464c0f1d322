"""The inbound journal: an accepted Twilio message is kept until its turn has answered.

Accepting a webhook claims its MessageSid and journals what the turn needs (sender,
text, media, location, the channel's proof) in one statement, state ``received``
with a lease. The process running the turn renews the lease while it runs and marks
the row ``answered`` once the replies were handed to the sender, clearing the
message (the tracker has it; the journal does not keep PII twice). The message is kept
sealed (Fernet, a key derived from the conversation secret): a PIN typed at sign-in
is masked in the tracker, and must not lie in clear in the database or its WAL file
either. A row still
``received`` after its lease belongs to a process that died after the
acknowledgement: any process serving the channel takes it over with a conditional
UPDATE (repository.take_stale) and runs the turn again, so it is answered once.

The web chat journals the same way with no message kept: its widget holds each
message until told it was answered and sends it again after a reconnect, so the
message that arrives again takes a stale row over itself (:class:`Claim`).

The window left: a process killed after sending the replies but before the answered
mark commits re-drives a turn that had answered (the customer hears it twice).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum
from typing import Optional

from cryptography.fernet import Fernet

from careline.channels.conversation_key import conversation_secret
from careline.channels.schemas import Location, Media, TwilioInbound

RECEIVED, ANSWERED = "received", "answered"


class Claim(str, Enum):
    """What a message sent again until answered finds in the journal."""

    #: Seen for the first time: run its turn.
    CLAIMED = "claimed"
    #: Seen before by a process that died before answering it: run its turn here.
    TAKEN_OVER = "taken_over"
    #: Its turn runs in a live process, which says when it has answered.
    RUNNING = "running"
    #: Answered already: say so, run nothing.
    ANSWERED = "answered"


@dataclass(frozen=True)
class JournalEntry:
    """A journalled message, as a recovery loop takes it over."""

    inbound: TwilioInbound
    proved_by: str
    redrives: int


@dataclass(frozen=True)
class JournalState:
    """Where one accepted message stands (what the fault tests count)."""

    message_sid: str
    state: str
    redrives: int
    lease_until: Optional[datetime]
    answered_at: Optional[datetime]
    #: Whether the message itself is still kept (until answered only).
    holds_message: bool


def _sealer() -> Fernet:
    """The journal's key: derived from the conversation secret, so every process that
    names conversations (gateway, Rasa replicas) can read what another journalled."""
    key = hmac.new(conversation_secret().encode(), b"careline inbound journal",
                   hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def sealed_message(inbound: TwilioInbound) -> str:
    """What of the webhook the turn reads, beyond its channel, MessageSid and sender, sealed."""
    fields = asdict(inbound)
    for known in ("channel", "message_sid", "raw_from"):
        fields.pop(known)
    return _sealer().encrypt(json.dumps(fields, ensure_ascii=False).encode()).decode()


def inbound_from(*, channel: str, message_sid: str, sender_address: str,
                 message: Optional[str]) -> TwilioInbound:
    """The message a row journalled (``message`` as :func:`sealed_message` made it)."""
    fields = json.loads(_sealer().decrypt(message.encode())) if message else {}
    location = fields.pop("location", None)
    return TwilioInbound(
        channel=channel, message_sid=message_sid, raw_from=sender_address,
        media=tuple(Media(**m) for m in fields.pop("media", ())),
        location=Location(**location) if location else None, **fields)
