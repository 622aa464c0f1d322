"""Channel tables' queries: keyword-only functions on an explicit session."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from careline.channels.models import ConversationRoute, Delivery, InboundMessage


def get_inbound(*, session: Session, message_sid: str) -> Optional[InboundMessage]:
    return session.get(InboundMessage, message_sid)


def add_inbound(*, session: Session, message_sid: str, channel: str,
                idempotency_token: Optional[str], received_at: datetime) -> InboundMessage:
    row = InboundMessage(message_sid=message_sid, channel=channel,
                         idempotency_token=idempotency_token, received_at=received_at,
                         duplicates=0)
    session.add(row)
    return row


def get_route(*, session: Session, sender_id: str, channel: str) -> Optional[ConversationRoute]:
    return session.get(ConversationRoute, (sender_id, channel))


def latest_route(*, session: Session, sender_id: str) -> Optional[ConversationRoute]:
    query = (select(ConversationRoute).where(ConversationRoute.sender_id == sender_id)
             .order_by(ConversationRoute.last_inbound_at.desc()).limit(1))
    return session.execute(query).scalars().first()


def get_delivery_by_sid(*, session: Session, message_sid: str) -> Optional[Delivery]:
    query = select(Delivery).where(Delivery.message_sid == message_sid)
    return session.execute(query).scalars().first()


def list_deliveries(*, session: Session, to_address: Optional[str] = None,
                    status: Optional[str] = None) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.id)
    if to_address is not None:
        query = query.where(Delivery.to_address == to_address)
    if status is not None:
        query = query.where(Delivery.status == status)
    return list(session.execute(query).scalars())
