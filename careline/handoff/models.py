"""The durable outbox: a handoff is written here first, then delivered to the desk.

Writing the outbox row is the handoff; delivery is retried from it until the
desk acknowledges, so a desk that is down loses nothing.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Text

from careline.db.base import Base


class OutboxEntry(Base):
    __tablename__ = "handoff_outbox"

    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(64), nullable=False, unique=True)
    handoff_id = Column(String(36), nullable=False)
    conversation_id = Column(String(255), nullable=False)
    schema_version = Column(String(8), nullable=False)
    payload = Column(Text, nullable=False)  # the context package as JSON
    status = Column(String(16), nullable=False, default="pending")  # pending/delivered/rejected/parked
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False)
    last_error = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False)
    delivered_at = Column(DateTime(timezone=True))

    __table_args__ = (Index("ix_handoff_outbox_due", "status", "next_attempt_at"),)
