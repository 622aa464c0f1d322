"""The handoff policy: triggers, thresholds, priority weights and service hours.

Everything an operator may want to tune about handoffs lives in one YAML file
(``policy.yml`` beside this module, or the file named by
``CARELINE_HANDOFF_POLICY``), parsed into these typed models so a typo fails
loudly at load time instead of silently changing who reaches a person.
"""

from __future__ import annotations

import functools
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel, Field, validator

from careline.handoff.reasons import HandoffReason

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent / "policy.yml"


class _Frozen(BaseModel):
    class Config:
        allow_mutation = False
        extra = "forbid"


class SimpleTrigger(_Frozen):
    enabled: bool = True


class FallbackTrigger(SimpleTrigger):
    consecutive_fallbacks: int = Field(default=2, ge=1)


class FrustrationTrigger(SimpleTrigger):
    sentiment_at_or_below: float = Field(default=-0.6, ge=-1, le=0)


class DisputeTrigger(SimpleTrigger):
    amount_above: Decimal = Decimal("50.00")


class VerificationTrigger(SimpleTrigger):
    """Failed identity checks in a row that end the attempt and hand off (actions/identity.py)."""

    attempts: int = Field(default=3, ge=1)


class VipTrigger(SimpleTrigger):
    """VIP customers reach a person sooner: lower bars than everyone else."""

    segments: tuple[str, ...] = ("vip",)
    consecutive_fallbacks: int = Field(default=1, ge=1)
    sentiment_at_or_below: float = Field(default=-0.3, ge=-1, le=0)
    dispute_amount_above: Decimal = Decimal("0.00")


class Triggers(_Frozen):
    requested: SimpleTrigger = SimpleTrigger()
    fallback: FallbackTrigger = FallbackTrigger()
    frustration: FrustrationTrigger = FrustrationTrigger()
    dispute_over_threshold: DisputeTrigger = DisputeTrigger()
    cancellation_threat: SimpleTrigger = SimpleTrigger()
    failed_verification: VerificationTrigger = VerificationTrigger()
    vip_policy: VipTrigger = VipTrigger()
    vulnerability: SimpleTrigger = SimpleTrigger()

    def is_enabled(self, reason: HandoffReason) -> bool:
        trigger: SimpleTrigger = getattr(self, reason.value)
        return trigger.enabled


class PriorityWeights(_Frozen):
    segment_points: dict[str, int] = {}
    unknown_customer_points: int = 0
    reason_points: dict[HandoffReason, int] = {}
    negative_sentiment_points: int = 30
    #: A repeat contact waits less: points per contact in the last ``recent_contact_days``
    #: (up to ``max_repeat_contact_points``) and per case still open.
    repeat_contact_points: int = Field(default=0, ge=0)
    max_repeat_contact_points: int = Field(default=0, ge=0)
    open_case_points: int = Field(default=0, ge=0)
    recent_contact_days: int = Field(default=7, ge=1)
    points_per_waiting_minute: float = 2
    max_waiting_points: int = 40
    levels: dict[str, int] = {"urgent": 80, "high": 55, "normal": 25}


class OpeningSpan(_Frozen):
    opens: time
    closes: time  # time.max stands for "24:00"

    @classmethod
    def parse(cls, text: str) -> OpeningSpan:
        start, _, end = text.partition("-")
        closes = time.max if end.strip() == "24:00" else time.fromisoformat(end.strip())
        return cls(opens=time.fromisoformat(start.strip()), closes=closes)


class ServiceHours(_Frozen):
    timezone: str = "Europe/London"
    days: dict[int, OpeningSpan] = {}
    minutes_per_customer_ahead: int = Field(default=4, ge=1)
    minimum_wait_minutes: int = Field(default=2, ge=0)

    @validator("days", pre=True)
    def _parse_spans(cls, value: Optional[dict[Any, Any]]) -> dict[int, Any]:
        parsed: dict[int, Any] = {}
        for day, span in (value or {}).items():
            if not 1 <= int(day) <= 7:
                raise ValueError(f"weekday {day} is not 1 (Monday) … 7 (Sunday)")
            parsed[int(day)] = OpeningSpan.parse(span) if isinstance(span, str) else span
        return parsed


class ServiceLevels(_Frozen):
    """Minutes to an agent's first reply, by the ticket's priority level when it arrived."""

    urgent: int = Field(default=2, ge=1)
    high: int = Field(default=5, ge=1)
    normal: int = Field(default=10, ge=1)
    low: int = Field(default=30, ge=1)

    def target_minutes(self, level: str) -> int:
        return int(getattr(self, level, self.low))


class HandoffPolicy(_Frozen):
    version: int = 1
    triggers: Triggers = Triggers()
    priority: PriorityWeights = PriorityWeights()
    service_hours: ServiceHours = ServiceHours()
    service_levels: ServiceLevels = ServiceLevels()

    def is_vip(self, segment: Optional[str]) -> bool:
        vip = self.triggers.vip_policy
        return vip.enabled and segment is not None and segment in vip.segments


def load_policy(path: Optional[Path] = None) -> HandoffPolicy:
    """Parse a policy file; raises a pydantic ``ValidationError`` naming the bad field."""
    source = path or DEFAULT_POLICY_FILE
    with open(source, encoding="utf-8") as handle:
        return HandoffPolicy.parse_obj(yaml.safe_load(handle) or {})


@functools.lru_cache(maxsize=1)
def get_policy() -> HandoffPolicy:
    """The policy in force, read once: ``CARELINE_HANDOFF_POLICY`` or the packaged file."""
    from careline.settings import get_settings

    return load_policy(get_settings().handoff_policy)
