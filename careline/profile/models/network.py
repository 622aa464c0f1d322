"""Network operations silo: areas, incidents with affected services and an update log."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from careline.db.base import Base
from careline.profile.models.types import UtcDateTime


class NetworkArea(Base):
    """A served area, keyed like a postcode district (``M1``, ``LS6``)."""

    __tablename__ = "net_areas"

    code = Column(String(12), primary_key=True)
    name = Column(String(80), nullable=False)
    region = Column(String(40), nullable=False)


class Incident(Base):
    __tablename__ = "net_incidents"
    __table_args__ = (Index("ix_net_incidents_area_code_status", "area_code", "status"),)

    id = Column(Integer, primary_key=True)
    reference = Column(String(24), nullable=False, unique=True)
    area_code = Column(String(12), ForeignKey("net_areas.code"), nullable=False)
    title = Column(String(160), nullable=False)
    severity = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False)
    started_at = Column(UtcDateTime, nullable=False)
    eta = Column(UtcDateTime, nullable=True)
    resolved_at = Column(UtcDateTime, nullable=True)

    area = relationship("NetworkArea", lazy="joined")
    services = relationship("IncidentService", lazy="selectin")
    updates = relationship("IncidentUpdate", order_by="IncidentUpdate.at", lazy="selectin")


class IncidentService(Base):
    __tablename__ = "net_incident_services"

    incident_id = Column(Integer, ForeignKey("net_incidents.id", ondelete="CASCADE"),
                         primary_key=True)
    service = Column(String(16), primary_key=True)


class IncidentUpdate(Base):
    __tablename__ = "net_incident_updates"
    __table_args__ = (Index("ix_net_incident_updates_incident_id", "incident_id"),)

    id = Column(Integer, primary_key=True)
    incident_id = Column(Integer, ForeignKey("net_incidents.id", ondelete="CASCADE"),
                         nullable=False)
    at = Column(UtcDateTime, nullable=False)
    status = Column(String(16), nullable=False)
    message = Column(Text, nullable=False)


class OutageSubscriptionRow(Base):
    """A customer asked to hear about outages in their area (one incident, or any)."""

    __tablename__ = "net_outage_subscriptions"
    __table_args__ = (Index("ix_net_outage_subscriptions_area_code", "area_code"),
                      Index("ix_net_outage_subscriptions_customer_id", "customer_id"))

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("crm_customers.id", ondelete="CASCADE"),
                         nullable=False)
    area_code = Column(String(12), nullable=False)
    incident_id = Column(Integer, ForeignKey("net_incidents.id", ondelete="CASCADE"),
                         nullable=True)
    channel = Column(String(16), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
