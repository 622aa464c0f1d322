"""The desk's tables: agents and their sessions, tickets, messages, notes, broker cursor,
conversation tags."""

from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)

from careline.db.base import Base


class Agent(Base):
    __tablename__ = "desk_agents"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(128), nullable=False)
    password_hash = Column(String(255), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    role = Column(String(16), nullable=False, default="agent", server_default="agent")
    disabled_at = Column(DateTime(timezone=True))  # kept, not deleted: their tickets keep a name
    presence = Column(String(16), nullable=False, default="offline", server_default="offline")
    skills = Column(String(255), nullable=False, default="", server_default="")  # "billing,vip"


class AgentSession(Base):
    """A signed-in browser: the cookie holds a random token, the table only its hash."""

    __tablename__ = "desk_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    agent_id = Column(Integer, ForeignKey("desk_agents.id", ondelete="CASCADE"), nullable=False)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    expires_at = Column(DateTime(timezone=True), nullable=False)


class Ticket(Base):
    """One handoff on the desk, made from one context package (idempotent on its key)."""

    __tablename__ = "desk_tickets"

    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(64), nullable=False, unique=True)
    handoff_id = Column(String(36), nullable=False, unique=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(16), nullable=False)
    customer_name = Column(String(255))
    segment = Column(String(32))
    reason = Column(String(32), nullable=False)
    sentiment = Column(Float, nullable=False)
    status = Column(String(16), nullable=False, default="open")  # open, assigned, resolved
    assigned_agent_id = Column(Integer, ForeignKey("desk_agents.id", ondelete="SET NULL"))
    after_hours = Column(Boolean, nullable=False, default=False)
    callback_requested = Column(Boolean, nullable=False, default=False)
    handed_off_at = Column(DateTime(timezone=True), nullable=False)
    received_at = Column(DateTime(timezone=True), nullable=False)
    resolved_at = Column(DateTime(timezone=True))
    schema_version = Column(String(8), nullable=False)
    context_json = Column(Text, nullable=False)
    account_number = Column(String(32), index=True)  # the customer's earlier tickets
    lookup = Column(Text)  # lower-case name, account, numbers, cases: careline.desk.search
    # satisfaction (careline.desk.satisfaction): asked on resolve while the bot still waits,
    # the customer's 1-5, and when the conversation went back to the bot
    rating_asked_at = Column(DateTime(timezone=True))
    rating = Column(Integer)
    rated_at = Column(DateTime(timezone=True))
    resumed_at = Column(DateTime(timezone=True))
    callback_offered = Column(Text)  # JSON list of the times offered (careline.desk.callbacks)
    callback_at = Column(DateTime(timezone=True))  # the one the customer chose


class TicketMessage(Base):
    """A line of the live transcript after the handoff (customer, bot or agent)."""

    __tablename__ = "desk_messages"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("desk_tickets.id", ondelete="CASCADE"), nullable=False)
    speaker = Column(String(16), nullable=False)
    text = Column(Text, nullable=False)
    at = Column(DateTime(timezone=True), nullable=False)
    agent_id = Column(Integer, ForeignKey("desk_agents.id", ondelete="SET NULL"))
    delivery = Column(String(16))  # agent lines: sending, delivered, failed
    error = Column(Text)
    source_key = Column(String(255), unique=True)  # broker event identity, for dedup
    shared_json = Column(Text)  # a customer's photos and location (careline.desk.shared)

    __table_args__ = (Index("ix_desk_messages_ticket", "ticket_id", "id"),)


class TicketNote(Base):
    """An internal note: agents only, never sent to the customer."""

    __tablename__ = "desk_notes"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("desk_tickets.id", ondelete="CASCADE"), nullable=False)
    agent_id = Column(Integer, ForeignKey("desk_agents.id", ondelete="SET NULL"))
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)


class EventCursor(Base):
    """How far the desk has read an event source (the SQL broker's ``events.id``)."""

    __tablename__ = "desk_event_cursors"

    name = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False, default=0)


class ConversationTag(Base):
    """A designer's or agent's verdict on a conversation ("bad answer", …); once per tag."""

    __tablename__ = "desk_conversation_tags"
    __table_args__ = (UniqueConstraint("conversation_id", "tag"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    tag = Column(String(32), nullable=False)
    agent_id = Column(Integer, ForeignKey("desk_agents.id", ondelete="SET NULL"))
    created_at = Column(DateTime(timezone=True), nullable=False)
