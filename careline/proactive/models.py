"""Proactive care's tables: the incident updates handled and the durable notification log.

The unique keys are what make retries safe: one row per (incident, version)
and one notice per (incident, version, customer), claimed before sending.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Text, UniqueConstraint

from careline.db.base import Base
from careline.profile.models.types import UtcDateTime


class HandledUpdate(Base):
    """One incident update as received; ``payload_hash`` spots a reused version number."""

    __tablename__ = "proactive_incident_updates"
    __table_args__ = (UniqueConstraint("incident_id", "version",
                                       name="uq_proactive_incident_updates_incident_version"),)

    id = Column(Integer, primary_key=True)
    incident_id = Column(String(64), nullable=False)
    version = Column(Integer, nullable=False)
    action = Column(String(16), nullable=False)
    payload = Column(Text, nullable=False)
    payload_hash = Column(String(64), nullable=False)
    #: ``processing`` while notices go out, ``done`` after, ``stale`` when a newer version won.
    state = Column(String(16), nullable=False)
    received_at = Column(UtcDateTime, nullable=False)
    finished_at = Column(UtcDateTime, nullable=True)


class Notification(Base):
    """One customer's notice for one incident version, sent or skipped, and why.

    ``status``: ``pending`` (claimed), ``sending`` (handed to the channel; a process
    never sends it again, and one a killed sender left is looked up at the channel when
    the incidents API starts: careline/proactive/recovery.py), ``sent``, ``failed`` (the
    channel refused it; a retry may try again), ``unknown`` (the channel broke
    mid-way; never resent automatically), ``parked`` (the row could not be read back as
    a notice; careline/poison) or ``skipped`` (policy).
    ``tracker``: whether the notice is in the Rasa conversation yet.
    ``attempts`` and ``retry_at``: a notice refused for a passing reason (Twilio or
    Rasa unreachable, Twilio's 5xx) is due again at ``retry_at`` (careline/proactive/retries.py).
    """

    __tablename__ = "proactive_notifications"
    __table_args__ = (
        UniqueConstraint("incident_id", "version", "customer_id",
                         name="uq_proactive_notifications_incident_version_customer"),
        Index("ix_proactive_notifications_customer_id_sent_at", "customer_id", "sent_at"),
        Index("ix_proactive_notifications_tracker", "tracker"),
    )

    id = Column(Integer, primary_key=True)
    incident_id = Column(String(64), nullable=False)
    version = Column(Integer, nullable=False)
    action = Column(String(16), nullable=False)
    customer_id = Column(Integer, nullable=False)
    segment = Column(String(16), nullable=False)
    rank = Column(Integer, nullable=False, default=0)
    area = Column(String(12), nullable=True)
    mode = Column(String(24), nullable=True)
    address = Column(String(128), nullable=True)
    conversation_id = Column(String(128), nullable=True)
    text = Column(Text, nullable=True)
    template = Column(String(64), nullable=True)
    template_variables = Column(Text, nullable=True)
    status = Column(String(16), nullable=False)
    reason = Column(String(32), nullable=True)
    provider_id = Column(String(64), nullable=True)
    error = Column(Text, nullable=True)
    tracker = Column(String(16), nullable=False, default="none")
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    retry_at = Column(UtcDateTime, nullable=True, index=True)
    created_at = Column(UtcDateTime, nullable=False)
    sent_at = Column(UtcDateTime, nullable=True)
