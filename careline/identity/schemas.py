"""What the identity services return: frozen dataclasses, never rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Optional


class CodeOutcome(str, Enum):
    """The result of checking a one-time code, for the bot to phrase."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"  # this code has had its tries and is used up
    NO_CODE = "no_code"
    LOCKED_OUT = "locked_out"  # the customer's checks for the purpose are paused (Lockout)


@dataclass(frozen=True)
class Lockout:
    """Too many failed checks for one customer and purpose: none are made until ``until``."""

    customer_id: int
    purpose: str
    until: datetime


@dataclass(frozen=True)
class IssuedCode:
    """A fresh code: shown once to the sender, stored only as a hash."""

    customer_id: int
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class CodeCheck:
    outcome: CodeOutcome
    attempts_left: int
    lockout: Optional[Lockout] = None

    @property
    def accepted(self) -> bool:
        return self.outcome is CodeOutcome.ACCEPTED


@dataclass(frozen=True)
class PinCheck:
    """The account PIN as a second factor; ``lockout`` is set when the customer is locked out
    (by this wrong PIN, or earlier: then the PIN was not even compared)."""

    accepted: bool
    lockout: Optional[Lockout] = None
