"""The analytics store: one row per contact (a conversation session) and per customer message.

Folded from the event broker's stream; no message text is kept, only what
the figures need (intent, sentiment score, timings), so the store holds no
personal content beyond the customer id.
"""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, String,
                        UniqueConstraint)

from sqlalchemy.orm import relationship

from careline.db.base import Base
from careline.profile.models.types import UtcDateTime


class Contact(Base):
    """One conversation session: who, where, why they came, how it ended."""

    __tablename__ = "insight_contacts"
    __table_args__ = (
        UniqueConstraint("sender_id", "started_at", name="uq_insight_contacts_sender_started"),
        Index("ix_insight_contacts_started_at", "started_at"),
        Index("ix_insight_contacts_customer_id", "customer_id"),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    customer_id = Column(Integer, nullable=True)
    channel = Column(String(16), nullable=True)
    segment = Column(String(16), nullable=True)
    area = Column(String(12), nullable=True)
    started_at = Column(UtcDateTime, nullable=False)
    last_event_at = Column(UtcDateTime, nullable=False)
    driver = Column(String(64), nullable=True)
    user_messages = Column(Integer, nullable=False, default=0)
    frustrated = Column(Boolean, nullable=False, default=False)
    sentiment_sum = Column(Float, nullable=False, default=0.0)
    sentiment_min = Column(Float, nullable=True)
    handed_off = Column(Boolean, nullable=False, default=False)
    handoff_reason = Column(String(32), nullable=True)
    handoff_at = Column(UtcDateTime, nullable=True)
    agent_reply_at = Column(UtcDateTime, nullable=True)
    outage_notice = Column(Boolean, nullable=False, default=False)


class ContactMessage(Base):
    """One customer message: its intent and sentiment, never its text."""

    __tablename__ = "insight_messages"
    __table_args__ = (Index("ix_insight_messages_contact_id", "contact_id"),
                      Index("ix_insight_messages_at", "at"))

    id = Column(Integer, primary_key=True)
    contact_id = Column(Integer, ForeignKey("insight_contacts.id", ondelete="CASCADE"),
                        nullable=False)
    at = Column(UtcDateTime, nullable=False)
    intent = Column(String(64), nullable=True)
    sentiment = Column(Float, nullable=False)
    frustrated = Column(Boolean, nullable=False)

    #: Set on a new message so the contact and its messages are inserted in one flush.
    contact = relationship(Contact)


class ConsumerOffset(Base):
    """How far insight has read an event source (the SQL broker's ``events.id``)."""

    __tablename__ = "insight_offsets"

    source = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False, default=0)
