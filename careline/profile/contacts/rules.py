"""The contact rules, pure: which identity's opt-out governs a channel, and WhatsApp's window.

Every feature that reaches a customer (replies outside a turn, outbound sends,
outage notices) and the STOP/START keywords ask these functions, so the rules
are written once and tested exhaustively without a database.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Mapping, Optional, Union

from careline.profile.enums import Channel, IdentityKind

#: WhatsApp lets a business write freely only within 24 hours of the customer's last message;
#: after that only an approved template may be sent.
WHATSAPP_WINDOW = timedelta(hours=24)

#: The identities whose opt-out flag governs each channel (STOP on web chat may come from a
#: web account or an email address). A channel missing here keeps no opt-outs.
OPT_OUT_KINDS: Mapping[Channel, frozenset[IdentityKind]] = {
    Channel.SMS: frozenset({IdentityKind.MSISDN}),
    Channel.VOICE: frozenset({IdentityKind.MSISDN}),
    Channel.WHATSAPP: frozenset({IdentityKind.WHATSAPP}),
    Channel.EMAIL: frozenset({IdentityKind.EMAIL}),
    Channel.WEBCHAT: frozenset({IdentityKind.WEB_ACCOUNT, IdentityKind.EMAIL}),
}

#: The identities that name the customer behind a number on a phone channel, in the order
#: they are tried (by ``find_customer`` and by bulk sends): WhatsApp's own number first, then
#: the mobile number (usually one phone).
PHONE_LOOKUP_KINDS: Mapping[Channel, tuple[IdentityKind, ...]] = {
    Channel.SMS: (IdentityKind.MSISDN,),
    Channel.VOICE: (IdentityKind.MSISDN,),
    Channel.WHATSAPP: (IdentityKind.WHATSAPP, IdentityKind.MSISDN),
}


def whatsapp_window_open(last_inbound: Optional[datetime], *, now: datetime) -> bool:
    """Whether a free-form WhatsApp message may go: the customer wrote within 24 hours."""
    return last_inbound is not None and now - last_inbound <= WHATSAPP_WINDOW


def opted_out_channels(identities: Iterable[tuple[Union[IdentityKind, str], bool]]
                       ) -> frozenset[Channel]:
    """The channels a customer cannot be messaged on, from their ``(kind, opted_out)`` pairs."""
    stopped = {IdentityKind(kind) for kind, opted_out in identities if opted_out}
    return frozenset(channel for channel, kinds in OPT_OUT_KINDS.items() if kinds & stopped)
