"""Billing silo: accounts, invoices with categorised lines, payments, arrangements."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import relationship

from careline.db.base import Base
from careline.profile.models.types import Money


class BillingAccount(Base):
    __tablename__ = "bil_accounts"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("crm_customers.id", ondelete="CASCADE"),
                         nullable=False, unique=True)
    payment_type = Column(String(16), nullable=False)
    currency = Column(String(3), nullable=False, default="GBP")
    autopay = Column(Boolean, nullable=False, default=False)
    #: Prepaid credit left; NULL on postpaid accounts.
    prepaid_credit = Column(Money(), nullable=True)


class Invoice(Base):
    """A bill. Its status is derived from ``amount_paid`` and ``due_on``, never stored."""

    __tablename__ = "bil_invoices"
    __table_args__ = (Index("ix_bil_invoices_account_id_issued_on", "account_id", "issued_on"),)

    id = Column(Integer, primary_key=True)
    account_id = Column(Integer, ForeignKey("bil_accounts.id", ondelete="CASCADE"),
                        nullable=False)
    invoice_number = Column(String(24), nullable=False, unique=True)
    period_start = Column(Date, nullable=False)
    period_end = Column(Date, nullable=False)
    issued_on = Column(Date, nullable=False)
    due_on = Column(Date, nullable=False)
    total = Column(Money(), nullable=False)
    amount_paid = Column(Money(), nullable=False)

    lines = relationship("InvoiceLineRow", order_by="InvoiceLineRow.id", lazy="selectin")


class InvoiceLineRow(Base):
    __tablename__ = "bil_invoice_lines"
    __table_args__ = (Index("ix_bil_invoice_lines_invoice_id", "invoice_id"),)

    id = Column(Integer, primary_key=True)
    invoice_id = Column(Integer, ForeignKey("bil_invoices.id", ondelete="CASCADE"),
                        nullable=False)
    category = Column(String(16), nullable=False)
    description = Column(String(160), nullable=False)
    amount = Column(Money(), nullable=False)


class Payment(Base):
    __tablename__ = "bil_payments"
    __table_args__ = (Index("ix_bil_payments_account_id_paid_on", "account_id", "paid_on"),)

    id = Column(Integer, primary_key=True)
    account_id = Column(Integer, ForeignKey("bil_accounts.id", ondelete="CASCADE"),
                        nullable=False)
    paid_on = Column(Date, nullable=False)
    amount = Column(Money(), nullable=False)
    method = Column(String(24), nullable=False)


class Arrangement(Base):
    """A promise to pay an overdue amount in instalments or later."""

    __tablename__ = "bil_arrangements"
    __table_args__ = (Index("ix_bil_arrangements_account_id_status", "account_id", "status"),)

    id = Column(Integer, primary_key=True)
    reference = Column(String(24), nullable=False, unique=True)
    account_id = Column(Integer, ForeignKey("bil_accounts.id", ondelete="CASCADE"),
                        nullable=False)
    kind = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False)
    amount = Column(Money(), nullable=False)
    created_on = Column(Date, nullable=False)
    ended_on = Column(Date, nullable=True)

    instalments = relationship("ArrangementInstalment", order_by="ArrangementInstalment.due_on",
                               lazy="selectin")


class ArrangementInstalment(Base):
    __tablename__ = "bil_arrangement_instalments"
    __table_args__ = (Index("ix_bil_arrangement_instalments_arrangement_id", "arrangement_id"),)

    id = Column(Integer, primary_key=True)
    arrangement_id = Column(Integer, ForeignKey("bil_arrangements.id", ondelete="CASCADE"),
                            nullable=False)
    due_on = Column(Date, nullable=False)
    amount = Column(Money(), nullable=False)
