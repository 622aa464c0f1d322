"""Which identity rows a channel address may match, in the order to try them.

Pure: no database. A malformed phone number raises InvalidIdentity here, so
the service never queries with garbage.
"""

from __future__ import annotations

from typing import Union

from careline.profile.contacts.rules import PHONE_LOOKUP_KINDS
from careline.profile.enums import Channel, IdentityKind
from careline.profile.errors import InvalidIdentity
from careline.profile.phone import looks_like_phone_number, normalise_msisdn

_MAX_IDENTITY = 254


def parse_channel(channel: Union[Channel, str]) -> Channel:
    try:
        return Channel(channel)
    except ValueError:
        known = ", ".join(c.value for c in Channel)
        raise InvalidIdentity(f"unknown channel {channel!r} (known: {known})") from None


def candidate_identities(channel: Union[Channel, str], address: str, *,
                         region: str) -> list[tuple[IdentityKind, str]]:
    """The ``(kind, normalised value)`` pairs to look up for ``address`` on ``channel``.

    SMS and voice match the mobile number; WhatsApp its own number first, then
    the mobile number (usually the same phone); web chat a web account id or an
    email; the REST and terminal channels (operators, tests) accept any identity.
    """
    kind = parse_channel(channel)
    if not isinstance(address, str) or not address.strip():
        raise InvalidIdentity("the identity is empty")
    text = address.strip()
    if len(text) > _MAX_IDENTITY:
        raise InvalidIdentity("the identity is too long")
    if kind in PHONE_LOOKUP_KINDS:
        number = normalise_msisdn(text, region=region)
        return [(identity, number) for identity in PHONE_LOOKUP_KINDS[kind]]
    if kind is Channel.EMAIL:
        return [(IdentityKind.EMAIL, _email(text))]
    if kind is Channel.WEBCHAT:
        if "@" in text:
            return [(IdentityKind.EMAIL, _email(text))]
        return [(IdentityKind.WEB_ACCOUNT, text)]
    return _any_identity(text, region=region)


def _any_identity(text: str, *, region: str) -> list[tuple[IdentityKind, str]]:
    if text.lower().startswith("whatsapp:"):
        number = normalise_msisdn(text, region=region)
        return [(IdentityKind.WHATSAPP, number), (IdentityKind.MSISDN, number)]
    if text.startswith("+") or looks_like_phone_number(text):
        number = normalise_msisdn(text, region=region)
        return [(IdentityKind.MSISDN, number), (IdentityKind.WHATSAPP, number)]
    if "@" in text:
        return [(IdentityKind.EMAIL, _email(text))]
    return [(IdentityKind.WEB_ACCOUNT, text), (IdentityKind.ACCOUNT_NUMBER, text.upper())]


def _email(text: str) -> str:
    local, _, domain = text.partition("@")
    if not local or "." not in domain or " " in text:
        raise InvalidIdentity("that is not an email address")
    return text.lower()
