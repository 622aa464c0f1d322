"""Canned responses with the customer's details filled in.

Agents answer the same questions all day; a reply that already says the
customer's name, balance or case reference is faster and avoids copying a
figure wrongly. The texts live in one YAML file read once into typed models,
and a variable that does not exist fails at start-up, not in front of a customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml
from pydantic import BaseModel, validator

from careline.handoff.schemas import ContextPackage

DEFAULT_FILE = Path(__file__).resolve().parent / "canned_responses.yml"
VARIABLES = ("first_name", "name", "account", "balance", "overdue", "case_reference")
_VARIABLE = re.compile(r"\{(\w+)\}")


class CannedResponse(BaseModel):
    title: str
    text: str

    class Config:
        allow_mutation = False

    @validator("text")
    def _known_variables(cls, text: str) -> str:  # noqa: N805 - pydantic validator
        unknown = sorted(set(_VARIABLE.findall(text)) - set(VARIABLES))
        if unknown:
            raise ValueError(f"unknown variable(s) {unknown}; known: {list(VARIABLES)}")
        return text


class CannedResponses(BaseModel):
    responses: tuple[CannedResponse, ...]


@dataclass(frozen=True)
class FilledResponse:
    title: str
    text: str
    complete: bool  # every variable had a value for this customer


def load_responses(path: Optional[Path] = None) -> tuple[CannedResponse, ...]:
    """Read once when the desk starts (``CARELINE_DESK_CANNED_RESPONSES`` or the packaged file)."""
    data = yaml.safe_load((path or DEFAULT_FILE).read_text(encoding="utf-8"))
    return CannedResponses.parse_obj(data).responses


def profile_values(package: ContextPackage) -> dict[str, Optional[str]]:
    customer = package.customer
    if customer is None:
        return dict.fromkeys(VARIABLES)
    case = customer.open_cases[0].reference if customer.open_cases else None
    return {
        "first_name": customer.full_name.split()[0] if customer.full_name else None,
        "name": customer.full_name,
        "account": customer.account_number,
        "balance": _money(customer.amount_due, customer.currency),
        "overdue": _money(customer.overdue_amount, customer.currency),
        "case_reference": case,
    }


def fill(response: CannedResponse, values: dict[str, Optional[str]]) -> FilledResponse:
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if values.get(name):
            return str(values[name])
        missing.append(name)
        return f"[{name.replace('_', ' ')}?]"

    text = _VARIABLE.sub(value, response.text)
    return FilledResponse(title=response.title, text=text, complete=not missing)


def _money(amount, currency: str) -> Optional[str]:  # type: ignore[no-untyped-def]
    return None if amount is None else f"{amount} {currency}"
