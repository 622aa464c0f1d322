"""Engagement silo: every interaction on every channel, the cases they opened, and the keys
of the account writes a conversation made."""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, ForeignKey, Index, Integer, SmallInteger, String,
                        Text)

from careline.db.base import Base
from careline.profile.models.types import Money, UtcDateTime


class Case(Base):
    """A dispute or fault report that someone must follow up."""

    __tablename__ = "eng_cases"
    __table_args__ = (Index("ix_eng_cases_customer_id_status", "customer_id", "status"),)

    id = Column(Integer, primary_key=True)
    reference = Column(String(24), nullable=False, unique=True)
    customer_id = Column(Integer, ForeignKey("crm_customers.id", ondelete="CASCADE"),
                         nullable=False)
    kind = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False)
    summary = Column(Text, nullable=False)
    channel = Column(String(16), nullable=False)
    amount = Column(Money(), nullable=True)
    invoice_number = Column(String(24), nullable=True)
    service = Column(String(16), nullable=True)
    opened_at = Column(UtcDateTime, nullable=False)


class Interaction(Base):
    __tablename__ = "eng_interactions"
    __table_args__ = (
        Index("ix_eng_interactions_customer_id_occurred_at", "customer_id", "occurred_at"),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("crm_customers.id", ondelete="CASCADE"),
                         nullable=True)
    channel = Column(String(16), nullable=False)
    occurred_at = Column(UtcDateTime, nullable=False)
    intent = Column(String(64), nullable=True)
    summary = Column(Text, nullable=False)
    outcome = Column(String(16), nullable=False)
    handed_off = Column(Boolean, nullable=False, default=False)
    satisfaction = Column(SmallInteger, nullable=True)
    conversation_id = Column(String(128), nullable=True)
    case_id = Column(Integer, ForeignKey("eng_cases.id", ondelete="SET NULL"), nullable=True)


class AccountWrite(Base):
    """A write a conversation's turn made on the account, by its idempotency key: a retried
    turn finds the key and gets ``result`` (the first call's answer, as JSON) back instead of
    writing again. ``result`` is NULL only inside the transaction that makes the write."""

    __tablename__ = "eng_account_writes"
    #: Pruned by age (careline/db/retention.py).
    __table_args__ = (Index("ix_eng_account_writes_created_at", "created_at"),)

    idempotency_key = Column(String(64), primary_key=True)
    kind = Column(String(24), nullable=False)
    customer_id = Column(Integer, ForeignKey("crm_customers.id", ondelete="CASCADE"),
                         nullable=True)
    result = Column(Text, nullable=True)
    created_at = Column(UtcDateTime, nullable=False)
