"""Who lives in the affected areas and how to reach them: the profile's contacts, plus presence.

Consent, numbers, opt-outs and the WhatsApp window come from the profile's
contacts service (``careline.profile.contacts``), web chat presence (who is
connected right now, and in which conversation) from ``careline.webchat``.
Both are batched by area, so ten thousand customers take a handful of
queries, not ten thousand.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy.orm import Session

from careline.profile.contacts import area_contacts
from careline.proactive.schemas import Recipient
from careline.webchat.presence import live_sessions

def recipients_in_areas(*, session: Session, areas: Sequence[str], now: datetime,
                        timezone: str, webchat_window: timedelta) -> list[Recipient]:
    """Every customer served in ``areas``, with consent, numbers and live routes.

    Opted in means the customer's outage-notification preference is on, or
    they subscribed to outage updates for their area.
    """
    found = area_contacts(session=session, areas=areas)
    connected = live_sessions(session=session, customer_ids=[c.customer_id for c in found],
                              now=now, stale_after=webchat_window)
    return [Recipient(
        customer_id=c.customer_id, segment=c.segment, area=c.area,
        preferred_channel=c.preferred_channel, msisdn=c.msisdn, whatsapp=c.whatsapp,
        timezone=timezone, opted_in=c.outage_opted_in,
        opted_out_channels=frozenset(channel.value for channel in c.opted_out_channels),
        last_whatsapp_inbound=c.last_whatsapp_inbound,
        webchat_conversation=connected.get(c.customer_id),
    ) for c in found]
