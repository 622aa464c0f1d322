"""Catalogue silo: the plans and add-ons on sale, and where roaming passes apply."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String

from careline.db.base import Base
from careline.profile.models.types import Gigabytes, Money


class Plan(Base):
    __tablename__ = "cat_plans"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name = Column(String(80), nullable=False)
    payment_type = Column(String(16), nullable=False)
    monthly_price = Column(Money(), nullable=False)
    #: NULL allowances mean unlimited.
    data_gb = Column(Gigabytes(), nullable=True)
    minutes = Column(Integer, nullable=True)
    texts = Column(Integer, nullable=True)
    contract_months = Column(Integer, nullable=False, default=0)
    roaming_included = Column(Boolean, nullable=False, default=False)
    available = Column(Boolean, nullable=False, default=True)


class AddOn(Base):
    __tablename__ = "cat_add_ons"

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name = Column(String(80), nullable=False)
    kind = Column(String(24), nullable=False)
    price = Column(Money(), nullable=False)
    validity_days = Column(Integer, nullable=False)
    zone = Column(String(16), nullable=True, index=True)
    data_gb = Column(Gigabytes(), nullable=True)


class RoamingDestination(Base):
    __tablename__ = "cat_roaming_destinations"

    country_code = Column(String(2), primary_key=True)
    country_name = Column(String(80), nullable=False, unique=True)
    zone = Column(String(16), nullable=False)
