"""What the profile store returns: frozen dataclasses, never ORM rows.

Money is :class:`~decimal.Decimal` in the account's currency, times are
timezone-aware UTC datetimes, vocabularies are the ``str`` enums of
:mod:`careline.profile.enums`. One module per silo; everything (enums and
errors included) is importable from here.
"""

from decimal import Decimal

from careline.profile.enums import (  # noqa: F401
    AddOnKind, ArrangementKind, ArrangementStatus, BillCategory, CaseKind, CaseStatus, Channel,
    EligibilityReason, IdentityKind, IncidentSeverity, IncidentStatus, InteractionOutcome,
    InvoiceStatus, PaymentType, RecommendationReason, Segment, ServiceKind,
)
from careline.profile.errors import (  # noqa: F401
    CustomerNotFound, InvalidIdentity, InvalidRequest, PolicyViolation, ProfileError,
    SiloUnavailable,
)
from careline.profile.schemas.crm import (  # noqa: F401
    CustomerRef, Identity, ServiceAddress, ContactPreferences, CustomerInfo,
)
from careline.profile.schemas.usage import (  # noqa: F401
    PlanInfo, AddOnInfo, ActiveAddOn, UsageCycle, UsageSummary, LineInfo,
)
from careline.profile.schemas.billing import (  # noqa: F401
    InvoiceLine, InvoiceInfo, PaymentInfo, ArrangementInfo, AmountDue, BalanceInfo,
    CategoryChange, BillExplanation,
)
from careline.profile.schemas.network import (  # noqa: F401
    OutageUpdate, OutageInfo, NetworkAreaInfo, AreaStatus,
)
from careline.profile.schemas.engagement import (  # noqa: F401
    InteractionInfo, CaseRef,
)
from careline.profile.schemas.profile import (  # noqa: F401
    UnifiedProfile,
)
from careline.profile.schemas.decisions import (  # noqa: F401
    PlanRecommendation, RoamingPassOption, RoamingQuote, ArrangementOption, ArrangementEligibility,
)
from careline.profile.schemas.results import (  # noqa: F401
    PlanChangeResult, RoamingPassResult, OutageSubscription, OptOutResult, InteractionRef,
)

ZERO = Decimal("0.00")
