"""What the identity services return: frozen dataclasses, never rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class CodeOutcome(str, Enum):
    """The result of checking a one-time code, for the bot to phrase."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"
    NO_CODE = "no_code"


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

    @property
    def accepted(self) -> bool:
        return self.outcome is CodeOutcome.ACCEPTED
