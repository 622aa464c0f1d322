"""CRM silo: who the customer is, how to reach them, where their service is."""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, Date, ForeignKey, Index, Integer, String,
                        UniqueConstraint)
from sqlalchemy.orm import relationship

from careline.db.base import Base
from careline.profile.models.types import UtcDateTime


class Customer(Base):
    __tablename__ = "crm_customers"

    id = Column(Integer, primary_key=True)
    account_number = Column(String(20), nullable=False, unique=True)
    first_name = Column(String(80), nullable=False)
    last_name = Column(String(80), nullable=False)
    segment = Column(String(16), nullable=False)
    customer_since = Column(Date, nullable=False)
    #: scrypt hash of the telephone-banking style PIN (see careline.profile.pins); never the PIN.
    pin_hash = Column(String(200), nullable=True)
    address_line1 = Column(String(120), nullable=False)
    town = Column(String(80), nullable=False)
    postcode = Column(String(10), nullable=False)
    #: The network area serving the address (network silo's area code, not a foreign key:
    #: silos are separate systems joined by business keys).
    area_code = Column(String(12), nullable=False, index=True)
    preferred_channel = Column(String(16), nullable=True)
    marketing_opt_in = Column(Boolean, nullable=False, default=False)
    outage_notifications = Column(Boolean, nullable=False, default=True)
    created_at = Column(UtcDateTime, nullable=False)

    identities = relationship("CustomerIdentity", back_populates="customer",
                              order_by="CustomerIdentity.id")


class CustomerIdentity(Base):
    """One way to reach a customer: MSISDN or WhatsApp in E.164, email, web account id."""

    __tablename__ = "crm_identities"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_crm_identities_kind_value"),
                      Index("ix_crm_identities_customer_id", "customer_id"))

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("crm_customers.id", ondelete="CASCADE"),
                         nullable=False)
    kind = Column(String(16), nullable=False)
    value = Column(String(254), nullable=False)
    opted_out = Column(Boolean, nullable=False, default=False)
    opted_out_at = Column(UtcDateTime, nullable=True)

    customer = relationship("Customer", back_populates="identities")
