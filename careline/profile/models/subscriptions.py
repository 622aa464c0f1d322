"""Subscriptions and usage silo: each line's plan, add-ons and usage per billing cycle."""

from __future__ import annotations

from sqlalchemy import (Column, Date, ForeignKey, Index, Integer, String, UniqueConstraint)
from sqlalchemy.orm import relationship

from careline.db.base import Base
from careline.profile.models.types import Gigabytes, Money


class Line(Base):
    """A mobile line (MSISDN) on a plan; a customer may hold several."""

    __tablename__ = "sub_lines"
    __table_args__ = (Index("ix_sub_lines_customer_id", "customer_id"),)

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("crm_customers.id", ondelete="CASCADE"),
                         nullable=False)
    msisdn = Column(String(16), nullable=False, unique=True)
    plan_id = Column(Integer, ForeignKey("cat_plans.id"), nullable=False)
    started_on = Column(Date, nullable=False)
    contract_ends_on = Column(Date, nullable=True)

    plan = relationship("Plan", lazy="joined")


class LineAddOn(Base):
    __tablename__ = "sub_line_add_ons"
    __table_args__ = (Index("ix_sub_line_add_ons_line_id_ends_on", "line_id", "ends_on"),)

    id = Column(Integer, primary_key=True)
    line_id = Column(Integer, ForeignKey("sub_lines.id", ondelete="CASCADE"), nullable=False)
    add_on_id = Column(Integer, ForeignKey("cat_add_ons.id"), nullable=False)
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    destination = Column(String(2), nullable=True)
    price = Column(Money(), nullable=False)

    add_on = relationship("AddOn", lazy="joined")


class UsageCycleRow(Base):
    """Usage in one billing cycle; the newest row is the cycle in progress."""

    __tablename__ = "sub_usage_cycles"
    __table_args__ = (UniqueConstraint("line_id", "cycle_start",
                                       name="uq_sub_usage_cycles_line_id_cycle_start"),)

    id = Column(Integer, primary_key=True)
    line_id = Column(Integer, ForeignKey("sub_lines.id", ondelete="CASCADE"), nullable=False)
    cycle_start = Column(Date, nullable=False)
    cycle_end = Column(Date, nullable=False)
    data_gb = Column(Gigabytes(), nullable=False)
    minutes = Column(Integer, nullable=False)
    texts = Column(Integer, nullable=False)
    roaming_data_gb = Column(Gigabytes(), nullable=False)
