"""Who lives in the affected areas and how to reach them, read from the profile and channels.

Read-only queries over the profile engineer's CRM/network tables and the
channel layer's conversation routes (the WhatsApp 24-hour window) and web chat
presence (who is connected right now, and in which conversation). Batched by
area so ten thousand customers take a handful of queries, not ten thousand.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from careline.channels.models import ConversationRoute
from careline.profile.models import Customer, CustomerIdentity, NetworkArea, OutageSubscriptionRow
from careline.proactive.schemas import Recipient
from careline.webchat.presence import live_sessions

_CHUNK = 500


def known_areas(*, session: Session, codes: Sequence[str]) -> set[str]:
    query = select(NetworkArea.code).where(NetworkArea.code.in_(list(codes)))
    return set(session.execute(query).scalars())


def _chunks(values: list, size: int = _CHUNK):  # type: ignore[no-untyped-def]
    for start in range(0, len(values), size):
        yield values[start:start + size]


def recipients_in_areas(*, session: Session, areas: Sequence[str], now: datetime,
                        timezone: str, webchat_window: timedelta) -> list[Recipient]:
    """Every customer served in ``areas``, with consent, identities and live routes.

    Opted in means the customer's outage-notification preference is on, or
    they subscribed to outage updates for their area.
    """
    customers = list(session.execute(
        select(Customer.id, Customer.segment, Customer.area_code, Customer.preferred_channel,
               Customer.outage_notifications)
        .where(Customer.area_code.in_(list(areas)))).all())
    ids = [c.id for c in customers]
    subscribed: set[int] = set()
    identities: dict[int, list[tuple[str, str, bool]]] = {}
    for chunk in _chunks(ids):
        subscribed.update(session.execute(
            select(OutageSubscriptionRow.customer_id)
            .where(OutageSubscriptionRow.customer_id.in_(chunk))).scalars())
        for customer_id, kind, value, opted_out in session.execute(
                select(CustomerIdentity.customer_id, CustomerIdentity.kind,
                       CustomerIdentity.value, CustomerIdentity.opted_out)
                .where(CustomerIdentity.customer_id.in_(chunk))
                .order_by(CustomerIdentity.id)):
            identities.setdefault(customer_id, []).append((kind, value, opted_out))
    routes = _whatsapp_routes(session=session, identities=identities, now=now)
    connected = live_sessions(session=session, customer_ids=ids, now=now,
                              stale_after=webchat_window)
    recipients = []
    for c in customers:
        ids_of = identities.get(c.id, [])
        msisdn = next((v for k, v, _ in ids_of if k == "msisdn"), None)
        whatsapp = next((v for k, v, _ in ids_of if k == "whatsapp"), msisdn)
        blocked = {("sms" if k == "msisdn" else "webchat" if k == "web_account" else k)
                   for k, _, out in ids_of if out}
        recipients.append(Recipient(
            customer_id=c.id, segment=c.segment, area=c.area_code,
            preferred_channel=c.preferred_channel or "sms", msisdn=msisdn, whatsapp=whatsapp,
            timezone=timezone, opted_in=bool(c.outage_notifications) or c.id in subscribed,
            opted_out_channels=frozenset(blocked),
            last_whatsapp_inbound=routes.get(("whatsapp", whatsapp or "")),
            webchat_conversation=connected.get(c.id),
        ))
    return recipients


def _whatsapp_routes(*, session: Session, identities: dict[int, list[tuple[str, str, bool]]],
                     now: datetime) -> dict:
    """The last WhatsApp message per number (the 24-hour window)."""
    addresses = sorted({v for ids in identities.values() for _, v, _ in ids})
    found: dict = {}
    for chunk in _chunks(addresses):
        rows = session.execute(
            select(ConversationRoute.address, ConversationRoute.last_inbound_at)
            .where(ConversationRoute.address.in_(chunk),
                   ConversationRoute.channel == "whatsapp"))
        for address, last in rows:
            last = last if last.tzinfo else last.replace(tzinfo=now.tzinfo)
            previous = found.get(("whatsapp", address))
            found[("whatsapp", address)] = max(filter(None, (previous, last)))
    return found
