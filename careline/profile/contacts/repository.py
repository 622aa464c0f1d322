"""The contacts service: consent, opt-outs, addresses and the WhatsApp window, read in bulk.

Keyword-only functions with an explicit session, so a caller's reads and
writes share its transaction (proactive plans notices in the one that records
the incident). Lookups are batched (``_CHUNK`` values per ``IN``) because an
outage notice goes to ten thousand customers and must cost a handful of
queries, not ten thousand.

The WhatsApp window is read from the channel layer's conversation routes by
number: WhatsApp keeps it per phone number, whichever conversation the
messages went to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterator, Optional, Sequence, TypeVar, Union

from sqlalchemy import select
from sqlalchemy.orm import Session

from careline.channels.models import ConversationRoute
from careline.channels.store import as_utc
from careline.profile.contacts.rules import OPT_OUT_KINDS, PHONE_LOOKUP_KINDS, opted_out_channels
from careline.profile.contacts.schemas import AreaContact, CustomerPlacement, PhoneContact
from careline.profile.enums import Channel, IdentityKind
from careline.profile.errors import InvalidRequest
from careline.profile.models import Customer, CustomerIdentity, NetworkArea, OutageSubscriptionRow
from careline.profile.schemas import OptOutResult

_CHUNK = 500
_T = TypeVar("_T")


def _chunks(values: Sequence[_T]) -> Iterator[Sequence[_T]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def phone_contacts(*, session: Session, channel: Union[Channel, str],
                   numbers: Sequence[str]) -> dict[str, Optional[PhoneContact]]:
    """Whose each E.164 number is on ``channel`` (sms or whatsapp), with opt-out and window.

    The owner is found as the profile's ``find_customer`` finds it; the opt-out is that
    of the channel's governing identity with this number, as STOP records it. ``None``
    marks a number no customer has, so no consent is on record.
    """
    kinds = PHONE_LOOKUP_KINDS[Channel(channel)]
    governing = OPT_OUT_KINDS[Channel(channel)]
    unique = sorted(set(numbers))
    rows: dict[str, dict[IdentityKind, tuple[int, bool]]] = {}
    for chunk in _chunks(unique):
        for kind, value, customer_id, opted_out in session.execute(
                select(CustomerIdentity.kind, CustomerIdentity.value,
                       CustomerIdentity.customer_id, CustomerIdentity.opted_out)
                .where(CustomerIdentity.value.in_(chunk),
                       CustomerIdentity.kind.in_([k.value for k in kinds]))):
            rows.setdefault(value, {})[IdentityKind(kind)] = (customer_id, bool(opted_out))
    windows = (last_whatsapp_inbound(session=session, addresses=list(rows))
               if Channel(channel) is Channel.WHATSAPP else {})
    contacts: dict[str, Optional[PhoneContact]] = dict.fromkeys(unique)
    for number, found in rows.items():
        customer_id = next(found[kind][0] for kind in kinds if kind in found)
        opted_out = any(out and kind in governing and owner == customer_id
                        for kind, (owner, out) in found.items())
        contacts[number] = PhoneContact(customer_id=customer_id, opted_out=opted_out,
                                        last_whatsapp_inbound=windows.get(number))
    return contacts


def last_whatsapp_inbound(*, session: Session, addresses: Sequence[str]) -> dict[str, datetime]:
    """The customer's last WhatsApp message from each number (for the 24-hour window)."""
    found: dict[str, datetime] = {}
    for chunk in _chunks(sorted(set(addresses))):
        for address, last in session.execute(
                select(ConversationRoute.address, ConversationRoute.last_inbound_at)
                .where(ConversationRoute.address.in_(chunk),
                       ConversationRoute.channel == Channel.WHATSAPP.value)):
            last = as_utc(last)
            found[address] = max(last, found.get(address, last))
    return found


def known_areas(*, session: Session, codes: Sequence[str]) -> set[str]:
    """Which of ``codes`` are network areas the profile serves."""
    return set(session.execute(
        select(NetworkArea.code).where(NetworkArea.code.in_(list(codes)))).scalars())


def area_contacts(*, session: Session, areas: Sequence[str]) -> list[AreaContact]:
    """Every customer served in ``areas``, with outage consent, numbers, opt-outs and window."""
    customers = list(session.execute(
        select(Customer.id, Customer.segment, Customer.area_code, Customer.preferred_channel,
               Customer.outage_notifications)
        .where(Customer.area_code.in_(list(areas)))).all())
    subscribed: set[int] = set()
    identities: dict[int, list[tuple[str, str, bool]]] = {}
    for chunk in _chunks([c.id for c in customers]):
        subscribed.update(session.execute(
            select(OutageSubscriptionRow.customer_id)
            .where(OutageSubscriptionRow.customer_id.in_(chunk))).scalars())
        for customer_id, kind, value, opted_out in session.execute(
                select(CustomerIdentity.customer_id, CustomerIdentity.kind,
                       CustomerIdentity.value, CustomerIdentity.opted_out)
                .where(CustomerIdentity.customer_id.in_(chunk))
                .order_by(CustomerIdentity.id)):
            identities.setdefault(customer_id, []).append((kind, value, bool(opted_out)))
    numbers = {c.id: _numbers(identities.get(c.id, [])) for c in customers}
    windows = last_whatsapp_inbound(
        session=session, addresses=[whatsapp for _, whatsapp in numbers.values() if whatsapp])
    return [AreaContact(
        customer_id=c.id, segment=c.segment, area=c.area_code,
        preferred_channel=c.preferred_channel or Channel.SMS.value,
        outage_opted_in=bool(c.outage_notifications) or c.id in subscribed,
        msisdn=numbers[c.id][0], whatsapp=numbers[c.id][1],
        opted_out_channels=opted_out_channels(
            (kind, out) for kind, _, out in identities.get(c.id, [])),
        last_whatsapp_inbound=windows.get(numbers[c.id][1] or ""),
    ) for c in customers]


def _numbers(identities: list[tuple[str, str, bool]]) -> tuple[Optional[str], Optional[str]]:
    """The first mobile number, and the first WhatsApp number else that mobile number."""
    msisdn = next((v for k, v, _ in identities if k == IdentityKind.MSISDN.value), None)
    whatsapp = next((v for k, v, _ in identities if k == IdentityKind.WHATSAPP.value), msisdn)
    return msisdn, whatsapp


def mobile_number(*, session: Session, customer_id: int) -> Optional[str]:
    """The customer's first mobile number on file, opted out or not (for showing, masked)."""
    number: Optional[str] = session.execute(
        select(CustomerIdentity.value)
        .where(CustomerIdentity.customer_id == customer_id,
               CustomerIdentity.kind == IdentityKind.MSISDN.value)
        .order_by(CustomerIdentity.id)).scalars().first()
    return number


def placement(*, session: Session, customer_id: int) -> Optional[CustomerPlacement]:
    """The customer's segment and area now, or ``None`` for an unknown id."""
    row = session.execute(select(Customer.segment, Customer.area_code)
                          .where(Customer.id == customer_id)).first()
    return (CustomerPlacement(customer_id=customer_id, segment=row.segment, area=row.area_code)
            if row else None)


def set_opt_out(*, session: Session, channel: Channel, address: str,
                candidates: Sequence[tuple[IdentityKind, str]], opted_out: bool,
                now: datetime) -> OptOutResult:
    """STOP (``opted_out``) or START: flag every governing identity among ``candidates``.

    ``candidates`` are the address's normalised identities
    (``careline.profile.identity.candidate_identities``); a number no customer has
    records nothing and says so with ``customer_id`` ``None``.
    """
    kinds = OPT_OUT_KINDS.get(channel)
    if kinds is None:
        raise InvalidRequest(f"opt-outs are not kept for the {channel.value} channel")
    customer_id = None
    for kind, value in candidates:
        if kind not in kinds:
            continue
        for identity in session.execute(
                select(CustomerIdentity).where(CustomerIdentity.kind == kind.value,
                                               CustomerIdentity.value == value)).scalars():
            identity.opted_out = opted_out
            identity.opted_out_at = now if opted_out else None
            customer_id = customer_id or identity.customer_id
    return OptOutResult(channel, address, opted_out, customer_id)
