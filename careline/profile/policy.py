"""The store's business decisions as pure functions: easy to read, test and change.

Bill explanation, plan recommendation, roaming quotes and payment-arrangement
eligibility take schemas and policy limits and return schemas; they never
touch a database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Optional, Sequence

from careline.profile.schemas import (
    AddOnInfo, AddOnKind, ArrangementEligibility, ArrangementInfo, ArrangementKind,
    ArrangementOption, ArrangementStatus, BillCategory, BillExplanation, CategoryChange,
    EligibilityReason, InvoiceInfo, PaymentType, PlanInfo, PlanRecommendation,
    RecommendationReason, RoamingOverview, RoamingPassOption, UsageCycle,
)
from careline.profile.silos.protocols import Destination

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
#: Zones whose roaming a plan with ``roaming_included`` covers at no extra cost.
INCLUDED_ROAMING_ZONES = frozenset({"EU"})
#: Headroom over average usage before a plan counts as big enough.
USAGE_HEADROOM = Decimal("1.15")
#: A broken arrangement this recent blocks a new one.
BROKEN_ARRANGEMENT_COOLDOWN = timedelta(days=180)
FIRST_INSTALMENT_AFTER = timedelta(days=7)
INSTALMENT_INTERVAL = timedelta(days=30)
MAX_ROAMING_DAYS = 365


@dataclass(frozen=True)
class ArrangementPolicy:
    max_instalments: int
    max_deferral_days: int
    min_instalment: Decimal


def explain_bill(*, customer_id: int, bills: Sequence[InvoiceInfo]) -> Optional[BillExplanation]:
    """Compare the newest bill with the one before, per category; None without bills."""
    if not bills:
        return None
    current, previous = bills[0], (bills[1] if len(bills) > 1 else None)
    changes = []
    for category in BillCategory:
        now = [line for line in current.lines if line.category is category]
        before = [line for line in previous.lines if line.category is category] if previous else []
        if not now and not before:
            continue
        changes.append(CategoryChange(category=category,
                                      previous=sum((line.amount for line in before), ZERO),
                                      current=sum((line.amount for line in now), ZERO),
                                      lines=tuple(now)))
    return BillExplanation(customer_id=customer_id, current=current, previous=previous,
                           changes=tuple(changes), currency=current.currency)


def recommend_plan(*, customer_id: int, current: PlanInfo, history: Sequence[UsageCycle],
                   plans: Sequence[PlanInfo], price_tolerance: Decimal) -> PlanRecommendation:
    """The cheapest plan that fits actual usage, never the current one.

    Usage is averaged over closed cycles with 15 % headroom. A customer who
    outgrows the plan gets the cheapest bigger plan costing at most
    ``price_tolerance`` more; one who fits gets a cheaper plan that still fits.
    """
    if price_tolerance < 0:
        raise ValueError("price tolerance cannot be negative")
    if not history:
        return PlanRecommendation(customer_id, current, None,
                                  RecommendationReason.NO_USAGE_HISTORY, ZERO, 0, ZERO,
                                  price_tolerance)
    average_data = (sum((c.data_gb for c in history), Decimal(0)) / len(history)).quantize(PENNY)
    average_minutes = round(sum(c.minutes for c in history) / len(history))
    needed_data = average_data * USAGE_HEADROOM
    needed_minutes = average_minutes * USAGE_HEADROOM
    ceiling = current.monthly_price + price_tolerance

    def fits(plan: PlanInfo) -> bool:
        return ((plan.data_gb is None or plan.data_gb >= needed_data)
                and (plan.minutes is None or plan.minutes >= needed_minutes))

    candidates = sorted(
        (p for p in plans if p.code != current.code and p.available
         and p.payment_type is current.payment_type and fits(p) and p.monthly_price <= ceiling),
        key=lambda p: (p.monthly_price, p.code))
    if not fits(current):
        reason = RecommendationReason.NEEDS_MORE_DATA
    else:
        reason = RecommendationReason.SAVE_MONEY
        candidates = [p for p in candidates if p.monthly_price < current.monthly_price]
    if not candidates:
        return PlanRecommendation(customer_id, current, None, RecommendationReason.ALREADY_BEST,
                                  average_data, average_minutes, ZERO, price_tolerance)
    best = candidates[0]
    return PlanRecommendation(customer_id, current, best, reason, average_data, average_minutes,
                              best.monthly_price - current.monthly_price, price_tolerance,
                              alternatives=tuple(candidates[1:4]))


def roaming_options(*, passes: Sequence[AddOnInfo], days: int
                    ) -> tuple[Optional[RoamingPassOption], Optional[RoamingPassOption]]:
    """The daily-pass and monthly-pass ways to cover ``days`` days (either may be missing)."""
    if not 1 <= days <= MAX_ROAMING_DAYS:
        raise ValueError(f"a trip is 1 to {MAX_ROAMING_DAYS} days")

    def option(kind: AddOnKind) -> Optional[RoamingPassOption]:
        found = [p for p in passes if p.kind is kind]
        if not found:
            return None
        add_on = min(found, key=lambda p: p.price)
        count = math.ceil(days / add_on.validity_days)
        return RoamingPassOption(add_on, count, add_on.price * count)

    return option(AddOnKind.ROAMING_DAILY), option(AddOnKind.ROAMING_MONTHLY)


def roaming_included(plan: PlanInfo, zone: str) -> bool:
    return plan.roaming_included and zone in INCLUDED_ROAMING_ZONES


def roaming_overview(*, destination: Destination, passes: Sequence[AddOnInfo],
                     plans: Sequence[PlanInfo]) -> RoamingOverview:
    """The plans on sale that include roaming at ``destination``; the zone's cheapest
    daily and monthly passes."""
    def cheapest(kind: AddOnKind) -> Optional[AddOnInfo]:
        found = [p for p in passes if p.kind is kind]
        return min(found, key=lambda p: p.price) if found else None

    return RoamingOverview(
        country_code=destination.country_code, country_name=destination.country_name,
        zone=destination.zone,
        included_on=tuple(p for p in plans if p.available
                          and roaming_included(p, destination.zone)),
        daily=cheapest(AddOnKind.ROAMING_DAILY), monthly=cheapest(AddOnKind.ROAMING_MONTHLY))


def arrangement_eligibility(*, customer_id: int, payment_type: PaymentType, amount_due: Decimal,
                            arrangements: Sequence[ArrangementInfo], today: date,
                            policy: ArrangementPolicy) -> ArrangementEligibility:
    """Whether the amount due may be spread or deferred, and the options the policy allows."""
    def result(reason: EligibilityReason,
               options: tuple[ArrangementOption, ...] = ()) -> ArrangementEligibility:
        return ArrangementEligibility(customer_id, reason is EligibilityReason.ELIGIBLE, reason,
                                      amount_due, policy.max_instalments,
                                      policy.max_deferral_days, policy.min_instalment, options)

    if payment_type is PaymentType.PREPAID:
        return result(EligibilityReason.PREPAID)
    if any(a.status is ArrangementStatus.ACTIVE for a in arrangements):
        return result(EligibilityReason.ARRANGEMENT_ACTIVE)
    if any(a.status is ArrangementStatus.BROKEN
           and today - a.created_on < BROKEN_ARRANGEMENT_COOLDOWN for a in arrangements):
        return result(EligibilityReason.RECENTLY_BROKEN)
    if amount_due <= 0:
        return result(EligibilityReason.NOTHING_DUE)
    if amount_due < policy.min_instalment:
        return result(EligibilityReason.AMOUNT_TOO_SMALL)
    options = []
    for count in range(2, policy.max_instalments + 1):
        if amount_due / count < policy.min_instalment:
            break
        schedule = instalment_schedule(amount_due, count, today)
        options.append(ArrangementOption(ArrangementKind.INSTALMENTS, count, schedule[0][1],
                                         schedule[0][0], schedule[-1][0]))
    if policy.max_deferral_days > 0:
        due = today + timedelta(days=policy.max_deferral_days)
        options.append(ArrangementOption(ArrangementKind.DEFERRAL, 1, amount_due, due, due))
    if not options:
        return result(EligibilityReason.AMOUNT_TOO_SMALL)
    return result(EligibilityReason.ELIGIBLE, tuple(options))


def instalment_schedule(amount: Decimal, count: int, today: date) -> list[tuple[date, Decimal]]:
    """Equal instalments rounded down to the penny; the last one takes the remainder."""
    part = (amount / count).quantize(PENNY, rounding=ROUND_DOWN)
    amounts = [part] * (count - 1) + [amount - part * (count - 1)]
    first = today + FIRST_INSTALMENT_AFTER
    return [(first + INSTALMENT_INTERVAL * i, value) for i, value in enumerate(amounts)]


def check_arrangement_request(*, eligibility: ArrangementEligibility, kind: ArrangementKind,
                              instalments: int, deferral_days: int) -> Optional[str]:
    """Why a requested arrangement breaks the policy, or None when it is allowed."""
    if not eligibility.eligible:
        return f"not eligible: {eligibility.reason.value.replace('_', ' ')}"
    if kind is ArrangementKind.INSTALMENTS:
        if not 2 <= instalments <= eligibility.max_instalments:
            return f"instalments must be between 2 and {eligibility.max_instalments}"
        if eligibility.amount_due / instalments < eligibility.min_instalment:
            return f"each instalment must be at least {eligibility.min_instalment}"
        return None
    if not 1 <= deferral_days <= eligibility.max_deferral_days:
        return f"payment can be deferred by 1 to {eligibility.max_deferral_days} days"
    return None
