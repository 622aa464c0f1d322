"""Money, dates and allowances as a customer reads them: "£42.50", "1 December"."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

from careline import clock

CURRENCY_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def money(amount: Decimal, currency: str = "GBP") -> str:
    """``Decimal("42.5")`` → ``£42.50``; negative amounts keep their sign before the symbol."""
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}"


def day(value: date, *, today: Optional[date] = None) -> str:
    """``date(2026, 12, 1)`` → ``1 December`` (the year only when it is not this year)."""
    if isinstance(value, datetime):
        value = value.date()
    this_year = (today or clock.today()).year
    text = f"{value.day} {value:%B}"
    return text if value.year == this_year else f"{text} {value.year}"


def moment(value: datetime) -> str:
    """A time of day and date: ``14:30 on 1 December``."""
    return f"{value:%H:%M} on {day(value)}"


def data_amount(gigabytes: Optional[Decimal]) -> str:
    if gigabytes is None:
        return "unlimited data"
    value = Decimal(gigabytes).normalize()
    return f"{value:f}GB"


def allowance(count: Optional[int], unit: str) -> str:
    return f"unlimited {unit}" if count is None else f"{count} {unit}"


def listing(items: list[str]) -> str:
    """``["a", "b", "c"]`` → ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
