"""Engagement: interactions on every channel and the cases they opened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from careline.profile.enums import CaseKind, CaseStatus, Channel, InteractionOutcome


@dataclass(frozen=True)
class InteractionInfo:
    interaction_id: int
    channel: Channel
    occurred_at: datetime
    intent: Optional[str]
    summary: str
    outcome: InteractionOutcome
    handed_off: bool
    satisfaction: Optional[int]
    case_reference: Optional[str]


@dataclass(frozen=True)
class CaseRef:
    reference: str
    kind: CaseKind
    status: CaseStatus
    opened_at: datetime
    summary: str
