"""Reading what customers type into form answers: counts, dates, codes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Optional

from dateutil import parser as date_parser

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "fortnight": 14, "month": 30, "months": 30}


#: An account number as printed on bills: CL and 8 digits; customers drop the CL or add
#: spaces and dashes. A longer run of digits (a phone number) is not one.
ACCOUNT_NUMBER = re.compile(r"(?<![\w-])(?:CL)?[\s-]*((?:\d[\s-]?){7}\d)(?![\w-]*\d)",
                            re.IGNORECASE)


def account_number(text: str) -> Optional[str]:
    """The account number in ``text`` in its printed form (``CL12345678``), if any."""
    match = ACCOUNT_NUMBER.search(text)
    return f"CL{digits(match.group(1))}" if match else None


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def count(text: object) -> Optional[int]:
    """The first whole number in ``text``, written as digits or a word ("three", "3")."""
    if isinstance(text, (int, float)):
        return int(text)
    if not isinstance(text, str):
        return None
    match = re.search(r"\d+", text)
    if match:
        return int(match.group())
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _WORD_NUMBERS:
            return _WORD_NUMBERS[word]
    return None


def duration_days(text: object) -> Optional[int]:
    """A trip length in days: "10", "10 days", "two weeks", "a fortnight", "a month"."""
    if isinstance(text, (int, float)):
        return int(text)
    if not isinstance(text, str):
        return None
    lowered = text.lower()
    number = count(lowered)
    for unit, size in _UNITS.items():
        if re.search(rf"\b{unit}\b", lowered):
            return (number or 1) * size
    return number


def calendar_date(text: str, *, today: date) -> Optional[date]:
    """A date the customer typed, never in the past: "the 20th", "next friday", "15/12"."""
    lowered = text.lower().strip()
    if lowered in ("today",):
        return today
    if lowered in ("tomorrow", "tmrw"):
        return today + timedelta(days=1)
    for index, name in enumerate(_WEEKDAYS):
        if name in lowered:
            ahead = (index - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    ordinal = re.fullmatch(r"(?:on |by )?(?:the )?(\d{1,2})(?:st|nd|rd|th)?", lowered)
    if ordinal:
        return _next_day_of_month(int(ordinal.group(1)), today)
    relative = re.fullmatch(r"in (.*\b(?:days?|weeks?|fortnight))", lowered)
    if relative:  # "in 3 days", "in a fortnight"
        ahead = duration_days(relative.group(1))
        return today + timedelta(days=ahead) if ahead else None
    if not re.search(r"\d", lowered):  # "next month": dateutil would quietly answer today
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", lowered):  # ISO: day-first would misread it
        try:
            parsed_iso = date.fromisoformat(lowered)
        except ValueError:
            return None
        return parsed_iso if parsed_iso >= today else None
    try:
        parsed = date_parser.parse(text, dayfirst=True, fuzzy=True,
                                   default=date_parser.parse(today.isoformat())).date()
    except (ValueError, OverflowError):
        return None
    if parsed < today:
        try:
            parsed = parsed.replace(year=parsed.year + 1)
        except ValueError:
            return None
    return parsed


def _next_day_of_month(day_number: int, today: date) -> Optional[date]:
    year, month = today.year, today.month
    for _ in range(3):
        try:
            candidate = date(year, month, day_number)
        except ValueError:
            candidate = None
        if candidate and candidate >= today:
            return candidate
        month, year = (1, year + 1) if month == 12 else (month + 1, year)
    return None
