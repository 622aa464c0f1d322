"""Web chat presence: which verified customers have a live web chat connection right now."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String

from careline.db.base import Base
from careline.profile.models.types import UtcDateTime


class WebChatPresence(Base):
    """One live socket.io connection of a verified customer.

    Written on connect, deleted on disconnect, ``seen_at`` refreshed by the
    serving process's heartbeat, so a process that died without saying
    goodbye leaves rows that simply go stale. Kept in the settings' database
    so every replica and the proactive planner see the same presence.
    """

    __tablename__ = "webchat_presence"
    __table_args__ = (Index("ix_webchat_presence_customer_id_seen_at", "customer_id", "seen_at"),)

    connection_id = Column(String(64), primary_key=True)
    sender_id = Column(String(64), nullable=False)
    customer_id = Column(Integer, nullable=False)
    connected_at = Column(UtcDateTime, nullable=False)
    seen_at = Column(UtcDateTime, nullable=False)
