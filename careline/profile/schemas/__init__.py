"""What the profile store returns: frozen dataclasses, never ORM rows.

Money is :class:`~decimal.Decimal` in the account's currency, times are
timezone-aware UTC datetimes, vocabularies are the ``str`` enums of
:mod:`careline.profile.enums`. One module per silo; everything (enums and
errors included) is importable from here.
"""

from decimal import Decimal

from careline.profile.enums import (
    AddOnKind, ArrangementKind, ArrangementStatus, BillCategory, CaseKind, CaseStatus, Channel,
    EligibilityReason, IdentityKind, IncidentSeverity, IncidentStatus, InteractionOutcome,
    InvoiceStatus, PaymentType, RecommendationReason, Segment, ServiceKind,
)
from careline.profile.errors import (
    CustomerNotFound, InvalidIdentity, InvalidRequest, PolicyViolation, ProfileError,
    SiloUnavailable,
)
from careline.profile.schemas.crm import (
    CustomerRef, Identity, ServiceAddress, ContactPreferences, CustomerInfo,
)
from careline.profile.schemas.usage import (
    PlanInfo, AddOnInfo, ActiveAddOn, UsageCycle, UsageSummary, LineInfo,
)
from careline.profile.schemas.billing import (
    InvoiceLine, InvoiceInfo, PaymentInfo, ArrangementInfo, AmountDue, BalanceInfo,
    CategoryChange, BillExplanation,
)
from careline.profile.schemas.network import (
    OutageUpdate, OutageInfo, NetworkAreaInfo, AreaStatus,
)
from careline.profile.schemas.engagement import (
    InteractionInfo, CaseRef,
)
from careline.profile.schemas.profile import (
    UnifiedProfile,
)
from careline.profile.schemas.decisions import (
    PlanRecommendation, RoamingOverview, RoamingPassOption, RoamingQuote, ArrangementOption,
    ArrangementEligibility,
)
from careline.profile.schemas.results import (
    PlanChangeResult, RoamingPassResult, OutageSubscription, OptOutResult, InteractionRef,
)

ZERO = Decimal("0.00")

__all__ = [
    "ActiveAddOn", "AddOnInfo", "AddOnKind", "AmountDue", "AreaStatus",
    "ArrangementEligibility", "ArrangementInfo", "ArrangementKind", "ArrangementOption",
    "ArrangementStatus", "BalanceInfo", "BillCategory", "BillExplanation", "CaseKind",
    "CaseRef", "CaseStatus", "CategoryChange", "Channel", "ContactPreferences", "CustomerInfo",
    "CustomerNotFound", "CustomerRef", "EligibilityReason", "Identity", "IdentityKind",
    "IncidentSeverity", "IncidentStatus", "InteractionInfo", "InteractionOutcome",
    "InteractionRef", "InvalidIdentity", "InvalidRequest", "InvoiceInfo", "InvoiceLine",
    "InvoiceStatus", "LineInfo", "NetworkAreaInfo", "OptOutResult", "OutageInfo",
    "OutageSubscription", "OutageUpdate", "PaymentInfo", "PaymentType", "PlanChangeResult",
    "PlanInfo", "PlanRecommendation", "PolicyViolation", "ProfileError", "RecommendationReason",
    "RoamingOverview", "RoamingPassOption", "RoamingPassResult", "RoamingQuote", "Segment", "ServiceAddress",
    "ServiceKind", "SiloUnavailable", "UnifiedProfile", "UsageCycle", "UsageSummary", "ZERO",
]
