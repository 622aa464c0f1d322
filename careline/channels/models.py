"""Tables of the channel layer: inbound messages seen, conversation routes, deliveries."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Text

from careline.db.base import Base


class InboundMessage(Base):
    """A Twilio ``MessageSid`` already accepted: Twilio retries must not run a second turn.

    Also the inbound journal (inbound_journal.py): ``received`` until the turn's replies
    were handed to the sender, then ``answered``; a received row whose lease ran out
    belongs to a process that died, and is re-driven. What the turn needs (sender,
    message, proof) is kept only until then: afterwards it is in the tracker.
    """

    __tablename__ = "channel_inbound_messages"
    __table_args__ = (Index("ix_channel_inbound_messages_state_lease", "state", "lease_until"),
                      # pruned by age (careline/db/retention.py)
                      Index("ix_channel_inbound_messages_received_at", "received_at"))

    message_sid = Column(String(64), primary_key=True)
    channel = Column(String(16), nullable=False)
    idempotency_token = Column(String(128), nullable=True)
    received_at = Column(DateTime(timezone=True), nullable=False)
    duplicates = Column(Integer, nullable=False, default=0)
    state = Column(String(16), nullable=False, server_default="answered")
    #: Until when the process running the turn holds it (renewed while the turn runs).
    lease_until = Column(DateTime(timezone=True), nullable=True)
    redrives = Column(Integer, nullable=False, server_default="0")
    answered_at = Column(DateTime(timezone=True), nullable=True)
    sender_address = Column(String(64), nullable=True)
    proved_by = Column(String(32), nullable=True)
    #: The parsed webhook as JSON (text, media, location, button payload, …).
    message = Column(Text, nullable=True)


class ConversationRoute(Base):
    """Where a conversation's customer was last heard on each channel.

    Lets replies outside a turn (desk, notices) reach the customer, keeps
    the WhatsApp 24-hour window and remembers the numbered options offered.
    """

    __tablename__ = "channel_routes"

    sender_id = Column(String(64), primary_key=True)
    channel = Column(String(16), primary_key=True)
    address = Column(String(64), nullable=False)
    last_inbound_at = Column(DateTime(timezone=True), nullable=False)
    offered_choices = Column(Text, nullable=True)


class Delivery(Base):
    """One outbound message part: sent, failed after retries, or refused by policy."""

    __tablename__ = "channel_deliveries"

    id = Column(Integer, primary_key=True, autoincrement=True)
    message_sid = Column(String(64), nullable=True, index=True, unique=True)
    channel = Column(String(16), nullable=False)
    sender_id = Column(String(64), nullable=True)
    to_address = Column(String(64), nullable=False)
    status = Column(String(16), nullable=False)
    error_code = Column(String(16), nullable=True)
    error_message = Column(Text, nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    #: The turn or request that sent it (careline/observability/correlation.py).
    correlation_id = Column(String(64), nullable=True, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)
