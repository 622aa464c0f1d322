"""One-time codes (salted hashes with an expiry and an attempt count) and failed checks."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String

from careline.db.base import Base
from careline.profile.models.types import UtcDateTime


class OneTimeCode(Base):
    """A code sent to the number on file; the code itself is never stored."""

    __tablename__ = "identity_one_time_codes"
    __table_args__ = (Index("ix_identity_one_time_codes_sent_to_created_at",
                            "sent_to", "created_at"),)

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, nullable=False, index=True)
    purpose = Column(String(32), nullable=False)
    salt = Column(String(32), nullable=False)
    code_hash = Column(String(64), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
    expires_at = Column(UtcDateTime, nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    consumed_at = Column(UtcDateTime, nullable=True)
    #: The number texted, for the limit per number (codes to one phone, whoever asked).
    sent_to = Column(String(32), nullable=True)


class FailedCheck(Base):
    """One wrong PIN or code, kept per customer and purpose so a lockout spans conversations.

    Only the fact and the time are stored, never what was tried.
    """

    __tablename__ = "identity_failed_checks"
    __table_args__ = (Index("ix_identity_failed_checks_customer_purpose_failed_at",
                            "customer_id", "purpose", "failed_at"),)

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, nullable=False)
    purpose = Column(String(32), nullable=False)
    failed_at = Column(UtcDateTime, nullable=False)
