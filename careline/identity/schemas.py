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
class ClaimedTry:
    """One try at a PIN or code, counted as a failure before it is compared.

    ``failure_id`` is the failure standing for the try (None when it was refused);
    ``refused_by`` the lock already running, so nothing may be compared; ``lock_if_wrong``
    the lock this try starts if it turns out wrong.
    """

    failure_id: Optional[int]
    refused_by: Optional[Lockout] = None
    lock_if_wrong: Optional[Lockout] = None


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
