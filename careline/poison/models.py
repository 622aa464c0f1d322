"""Tries against messages of database-backed consumers, and which of them are parked.

Keyed by consumer and the message's own key (a broker event's row, an outbox row's
idempotency key): the message itself stays where it is, so no customer text is kept twice.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Text

from careline.db.base import Base


class PoisonTry(Base):
    __tablename__ = "poison_tries"

    consumer = Column(String(32), primary_key=True)
    message_key = Column(String(255), primary_key=True)
    tries = Column(Integer, nullable=False)
    last_error = Column(Text, nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)
    parked_at = Column(DateTime(timezone=True))  # set once the consumer gave up on it
