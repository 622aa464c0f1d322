"""Prices as the customer will pay them.

The catalogue (plans, roaming passes) is priced without VAT and a postpaid bill adds
VAT on top (``CARELINE_VAT_RATE``), so a pass quoted at its catalogue price cost the
customer a fifth more than they were told. Prepaid prices are taken from credit as
they stand. Every price a customer is quoted goes through :func:`customer_price`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from careline.profile.schemas import PaymentType

PENNY = Decimal("0.01")


def customer_price(net: Decimal, *, payment_type: PaymentType, vat_rate: Decimal) -> Decimal:
    """``net`` with the VAT the customer's bill adds (none on prepaid), to the penny."""
    if PaymentType(payment_type) is PaymentType.PREPAID:
        return Decimal(net).quantize(PENNY, rounding=ROUND_HALF_UP)
    return (Decimal(net) * (1 + vat_rate)).quantize(PENNY, rounding=ROUND_HALF_UP)


def vat_included(payment_type: PaymentType) -> bool:
    """Whether the customer's prices carry VAT added by the bill."""
    return PaymentType(payment_type) is not PaymentType.PREPAID
