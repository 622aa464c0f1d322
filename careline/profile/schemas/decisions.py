"""Decisions the store makes: plan recommendation, roaming quote, arrangement eligibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Optional

from careline.profile.enums import ArrangementKind, EligibilityReason, RecommendationReason
from careline.profile.schemas.usage import AddOnInfo, PlanInfo


ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PlanRecommendation:
    """A better plan from actual usage, never the current one; ``recommended`` may be None."""

    customer_id: int
    current: PlanInfo
    recommended: Optional[PlanInfo]
    reason: RecommendationReason
    average_data_gb: Decimal
    average_minutes: int
    monthly_difference: Decimal
    price_tolerance: Decimal
    alternatives: tuple[PlanInfo, ...] = ()


@dataclass(frozen=True)
class RoamingPassOption:
    add_on: AddOnInfo
    passes: int
    total_price: Decimal


@dataclass(frozen=True)
class RoamingOverview:
    """Roaming at a destination on any of our plans: for someone not signed in."""

    country_code: str
    country_name: str
    zone: str
    #: Plans on sale that include roaming there.
    included_on: tuple[PlanInfo, ...]
    #: The zone's cheapest daily and monthly passes, at catalogue (net) prices.
    daily: Optional[AddOnInfo]
    monthly: Optional[AddOnInfo]


@dataclass(frozen=True)
class RoamingQuote:
    """Daily passes against a monthly pass for ``days`` days at a destination."""

    customer_id: int
    country_code: str
    country_name: str
    zone: str
    days: int
    included_in_plan: bool
    daily: Optional[RoamingPassOption]
    monthly: Optional[RoamingPassOption]
    currency: str = "GBP"
    #: Prices (``daily``, ``monthly``) include the VAT the customer's bill adds.
    vat_included: bool = False

    @property
    def best(self) -> Optional[RoamingPassOption]:
        options = [o for o in (self.daily, self.monthly) if o is not None]
        return min(options, key=lambda o: o.total_price) if options else None

    @property
    def saving(self) -> Decimal:
        """How much the cheaper option saves against the dearer one."""
        if self.daily is None or self.monthly is None:
            return ZERO
        return abs(self.daily.total_price - self.monthly.total_price)


@dataclass(frozen=True)
class ArrangementOption:
    kind: ArrangementKind
    instalments: int
    instalment_amount: Decimal
    first_due_on: date
    last_due_on: date


@dataclass(frozen=True)
class ArrangementEligibility:
    customer_id: int
    eligible: bool
    reason: EligibilityReason
    amount_due: Decimal
    max_instalments: int
    max_deferral_days: int
    min_instalment: Decimal
    options: tuple[ArrangementOption, ...]
