"""Tables of the profile store, one module per silo (as an operator's systems are split)."""

from careline.profile.models.billing import (  # noqa: F401
    Arrangement, ArrangementInstalment, BillingAccount, Invoice, InvoiceLineRow, Payment,
)
from careline.profile.models.catalogue import AddOn, Plan, RoamingDestination  # noqa: F401
from careline.profile.models.crm import Customer, CustomerIdentity  # noqa: F401
from careline.profile.models.engagement import AccountWrite, Case, Interaction  # noqa: F401
from careline.profile.models.network import (  # noqa: F401
    Incident, IncidentService, IncidentUpdate, NetworkArea, OutageSubscriptionRow,
)
from careline.profile.models.subscriptions import Line, LineAddOn, UsageCycleRow  # noqa: F401
