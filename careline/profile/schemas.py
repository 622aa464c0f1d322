"""What the profile store returns: frozen dataclasses, never ORM rows.

Money is :class:`~decimal.Decimal` in the account's currency, times are
timezone-aware UTC datetimes, vocabularies are the ``str`` enums of
:mod:`careline.profile.enums` (re-exported here, with the errors).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Optional

from careline.profile.enums import (  # noqa: F401  (re-exported vocabulary)
    AddOnKind, ArrangementKind, ArrangementStatus, BillCategory, CaseKind, CaseStatus, Channel,
    EligibilityReason, IdentityKind, IncidentSeverity, IncidentStatus, InteractionOutcome,
    InvoiceStatus, PaymentType, RecommendationReason, Segment, ServiceKind,
)
from careline.profile.errors import (  # noqa: F401  (re-exported errors)
    CustomerNotFound, InvalidIdentity, InvalidRequest, PolicyViolation, ProfileError,
    SiloUnavailable,
)

ZERO = Decimal("0.00")


# --- CRM ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CustomerRef:
    """Who a channel identity belongs to: enough to greet and route, no more."""

    customer_id: int
    account_number: str
    first_name: str
    full_name: str
    segment: Segment
    matched_by: IdentityKind
    identity: str

    @property
    def is_vip(self) -> bool:
        return self.segment is Segment.VIP


@dataclass(frozen=True)
class Identity:
    kind: IdentityKind
    value: str
    opted_out: bool = False


@dataclass(frozen=True)
class ServiceAddress:
    line1: str
    town: str
    postcode: str
    area_code: str
    area_name: str


@dataclass(frozen=True)
class ContactPreferences:
    preferred_channel: Optional[Channel]
    marketing_opt_in: bool
    outage_notifications: bool


@dataclass(frozen=True)
class CustomerInfo:
    customer_id: int
    account_number: str
    first_name: str
    full_name: str
    segment: Segment
    customer_since: date
    identities: tuple[Identity, ...]
    address: ServiceAddress
    preferences: ContactPreferences
    has_pin: bool


# --- catalogue, subscriptions and usage ----------------------------------------------------

@dataclass(frozen=True)
class PlanInfo:
    """A tariff. ``None`` allowances mean unlimited."""

    code: str
    name: str
    payment_type: PaymentType
    monthly_price: Decimal
    data_gb: Optional[Decimal]
    minutes: Optional[int]
    texts: Optional[int]
    contract_months: int
    roaming_included: bool
    available: bool = True


@dataclass(frozen=True)
class AddOnInfo:
    code: str
    name: str
    kind: AddOnKind
    price: Decimal
    validity_days: int
    zone: Optional[str]
    data_gb: Optional[Decimal]


@dataclass(frozen=True)
class ActiveAddOn:
    add_on: AddOnInfo
    starts_on: date
    ends_on: date
    destination: Optional[str]


@dataclass(frozen=True)
class UsageCycle:
    cycle_start: date
    cycle_end: date
    data_gb: Decimal
    minutes: int
    texts: int
    roaming_data_gb: Decimal


@dataclass(frozen=True)
class UsageSummary:
    """This cycle's usage against the allowance, plus closed cycles (newest first)."""

    current: UsageCycle
    data_allowance_gb: Optional[Decimal]
    history: tuple[UsageCycle, ...]

    @property
    def data_used_ratio(self) -> Optional[Decimal]:
        if not self.data_allowance_gb:
            return None
        return (self.current.data_gb / self.data_allowance_gb).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class LineInfo:
    msisdn: str
    plan: PlanInfo
    started_on: date
    contract_ends_on: Optional[date]
    add_ons: tuple[ActiveAddOn, ...]
    usage: Optional[UsageSummary]


# --- billing -----------------------------------------------------------------------------

@dataclass(frozen=True)
class InvoiceLine:
    category: BillCategory
    description: str
    amount: Decimal


@dataclass(frozen=True)
class InvoiceInfo:
    invoice_number: str
    period_start: date
    period_end: date
    issued_on: date
    due_on: date
    total: Decimal
    outstanding: Decimal
    status: InvoiceStatus
    lines: tuple[InvoiceLine, ...]
    currency: str = "GBP"


@dataclass(frozen=True)
class PaymentInfo:
    paid_on: date
    amount: Decimal
    method: str


@dataclass(frozen=True)
class ArrangementInfo:
    reference: str
    kind: ArrangementKind
    status: ArrangementStatus
    amount: Decimal
    schedule: tuple[tuple[date, Decimal], ...]
    created_on: date


@dataclass(frozen=True)
class BalanceInfo:
    """What the customer owes (postpaid) or holds as credit (prepaid)."""

    customer_id: int
    account_number: str
    payment_type: PaymentType
    amount_due: Decimal
    overdue_amount: Decimal
    due_on: Optional[date]
    days_overdue: int
    autopay: bool
    prepaid_credit: Optional[Decimal]
    last_payment: Optional[PaymentInfo]
    arrangement: Optional[ArrangementInfo]
    currency: str = "GBP"

    @property
    def is_overdue(self) -> bool:
        return self.overdue_amount > 0


@dataclass(frozen=True)
class CategoryChange:
    """One category of the bill against the previous one."""

    category: BillCategory
    previous: Decimal
    current: Decimal
    lines: tuple[InvoiceLine, ...]

    @property
    def difference(self) -> Decimal:
        return self.current - self.previous


@dataclass(frozen=True)
class BillExplanation:
    """Why the latest bill differs from the one before, biggest change first."""

    customer_id: int
    current: InvoiceInfo
    previous: Optional[InvoiceInfo]
    changes: tuple[CategoryChange, ...]
    currency: str = "GBP"

    @property
    def total_difference(self) -> Decimal:
        return self.current.total - (self.previous.total if self.previous else ZERO)

    @property
    def main_driver(self) -> Optional[CategoryChange]:
        """The category that moved most, or ``None`` when nothing changed."""
        moved = [c for c in self.changes if c.difference != 0]
        return max(moved, key=lambda c: abs(c.difference)) if moved else None


# --- network -----------------------------------------------------------------------------

@dataclass(frozen=True)
class OutageUpdate:
    at: datetime
    status: IncidentStatus
    message: str


@dataclass(frozen=True)
class OutageInfo:
    reference: str
    title: str
    area_code: str
    area_name: str
    services: tuple[ServiceKind, ...]
    status: IncidentStatus
    severity: IncidentSeverity
    started_at: datetime
    eta: Optional[datetime]
    resolved_at: Optional[datetime]
    updates: tuple[OutageUpdate, ...]

    @property
    def is_active(self) -> bool:
        return self.status is not IncidentStatus.RESOLVED


# --- engagement --------------------------------------------------------------------------

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


# --- the unified view --------------------------------------------------------------------

@dataclass(frozen=True)
class UnifiedProfile:
    """Everything the bot (and an agent) should know about one customer, from every silo."""

    customer: CustomerInfo
    lines: tuple[LineInfo, ...]
    balance: BalanceInfo
    latest_invoice: Optional[InvoiceInfo]
    outages: tuple[OutageInfo, ...]
    recent_interactions: tuple[InteractionInfo, ...]
    open_cases: tuple[CaseRef, ...]

    @property
    def customer_id(self) -> int:
        return self.customer.customer_id

    @property
    def segment(self) -> Segment:
        return self.customer.segment

    @property
    def primary_line(self) -> Optional[LineInfo]:
        return self.lines[0] if self.lines else None


# --- decisions -----------------------------------------------------------------------------

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


# --- write results ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PlanChangeResult:
    customer_id: int
    msisdn: str
    previous: PlanInfo
    new: PlanInfo
    effective_on: date


@dataclass(frozen=True)
class RoamingPassResult:
    customer_id: int
    msisdn: str
    passes: tuple[ActiveAddOn, ...]
    total_price: Decimal
    country_code: str


@dataclass(frozen=True)
class OutageSubscription:
    customer_id: int
    incident_reference: Optional[str]
    area_code: str
    channel: Channel
    created: bool


@dataclass(frozen=True)
class OptOutResult:
    channel: Channel
    address: str
    opted_out: bool
    customer_id: Optional[int]


@dataclass(frozen=True)
class InteractionRef:
    interaction_id: int
    customer_id: Optional[int]
    occurred_at: datetime
