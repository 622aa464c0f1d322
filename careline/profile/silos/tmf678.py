"""TM Forum TMF678 (Customer Bill Management) JSON, both ways.

``parse_bill`` turns a CustomerBill plus its AppliedCustomerBillingRate items
into an :class:`InvoiceInfo`; ``render_bill`` does the reverse, documenting
the exact shape an operator's API must serve (and feeding test servers).
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping, Sequence

from careline.profile.errors import SiloUnavailable
from careline.profile.schemas import BillCategory, InvoiceInfo, InvoiceLine, InvoiceStatus

#: AppliedCustomerBillingRate.type values and the bill category each means, when the
#: rate carries no explicit ``category`` characteristic.
RATE_TYPES = {
    "recurringcharge": BillCategory.PLAN, "recurring": BillCategory.PLAN,
    "addon": BillCategory.ADD_ON, "usagecharge": BillCategory.OVERAGE,
    "usage": BillCategory.OVERAGE, "roaming": BillCategory.ROAMING,
    "onetimecharge": BillCategory.ONE_OFF, "onetime": BillCategory.ONE_OFF,
    "discount": BillCategory.DISCOUNT, "tax": BillCategory.TAX,
}
_RENDER_TYPES = {
    BillCategory.PLAN: "recurringCharge", BillCategory.ADD_ON: "recurringCharge",
    BillCategory.OVERAGE: "usageCharge", BillCategory.ROAMING: "usageCharge",
    BillCategory.ONE_OFF: "oneTimeCharge", BillCategory.DISCOUNT: "discount",
    BillCategory.TAX: "tax",
}


def parse_bill(bill: Mapping[str, Any], rates: Sequence[Mapping[str, Any]], *,
               today: date) -> InvoiceInfo:
    """An InvoiceInfo from TMF678 JSON; malformed JSON raises SiloUnavailable."""
    try:
        amount_due = bill["amountDue"]
        total = _money(amount_due)
        remaining = _money(bill.get("remainingAmount", amount_due))
        due_on = _date(bill["paymentDueDate"])
        if bill.get("state") == "settled" or remaining <= 0:
            status, remaining = InvoiceStatus.PAID, Decimal("0.00")
        elif due_on < today:
            status = InvoiceStatus.OVERDUE
        else:
            status = InvoiceStatus.ISSUED
        period = bill.get("billingPeriod") or {}
        issued_on = _date(bill["billDate"])
        return InvoiceInfo(
            invoice_number=str(bill.get("billNo") or bill["id"]),
            period_start=_date(period.get("startDateTime", bill["billDate"])),
            period_end=_date(period.get("endDateTime", bill["billDate"])),
            issued_on=issued_on, due_on=due_on, total=total, outstanding=remaining,
            status=status, lines=tuple(_line(rate) for rate in rates),
            currency=str(amount_due.get("unit", "GBP")))
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        raise SiloUnavailable(f"the billing API sent a bill Careline cannot read ({error})") \
            from error


def _line(rate: Mapping[str, Any]) -> InvoiceLine:
    category = None
    for characteristic in rate.get("characteristic") or ():
        if characteristic.get("name") == "category":
            category = BillCategory(characteristic["value"])
    if category is None:
        category = RATE_TYPES[str(rate.get("type", "")).replace(" ", "").lower()]
    amount = rate.get("taxIncludedAmount") or rate["taxExcludedAmount"]
    return InvoiceLine(category, str(rate.get("description") or rate.get("name") or ""),
                       _money(amount))


def _money(value: Mapping[str, Any]) -> Decimal:
    return Decimal(str(value["value"])).quantize(Decimal("0.01"))


def _date(value: str) -> date:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date() \
        if "T" in str(value) else date.fromisoformat(str(value))


def render_bill(invoice: InvoiceInfo, *, account_number: str, base_url: str
                ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """TMF678 JSON for ``invoice``: the CustomerBill and its AppliedCustomerBillingRates."""
    bill_id = invoice.invoice_number
    bill = {
        "id": bill_id, "href": f"{base_url}/customerBill/{bill_id}", "billNo": bill_id,
        "@type": "CustomerBill", "category": "normal",
        "state": "settled" if invoice.status is InvoiceStatus.PAID else (
            "partiallyPaid" if invoice.outstanding < invoice.total else "sent"),
        "billDate": _instant(invoice.issued_on),
        "paymentDueDate": _instant(invoice.due_on),
        "billingPeriod": {"startDateTime": _instant(invoice.period_start),
                          "endDateTime": _instant(invoice.period_end)},
        "amountDue": {"unit": invoice.currency, "value": float(invoice.total)},
        "remainingAmount": {"unit": invoice.currency, "value": float(invoice.outstanding)},
        "billingAccount": {"id": account_number, "@referredType": "BillingAccount"},
    }
    rates = [{
        "id": f"{bill_id}-{index}", "@type": "AppliedCustomerBillingRate",
        "type": _RENDER_TYPES[line.category], "name": line.description,
        "description": line.description, "isBilled": True, "bill": {"id": bill_id},
        "taxIncludedAmount": {"unit": invoice.currency, "value": float(line.amount)},
        "characteristic": [{"name": "category", "valueType": "string",
                            "value": line.category.value}],
    } for index, line in enumerate(invoice.lines, start=1)]
    return bill, rates


def _instant(day: date) -> str:
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc).isoformat().replace(
        "+00:00", "Z")
