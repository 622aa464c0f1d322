"""Tables of the profile store, one module per silo (as an operator's systems are split)."""

from careline.profile.models.billing import (
    Arrangement, ArrangementInstalment, BillingAccount, Invoice, InvoiceLineRow, Payment,
)
from careline.profile.models.catalogue import AddOn, Plan, RoamingDestination
from careline.profile.models.crm import Customer, CustomerIdentity
from careline.profile.models.engagement import AccountWrite, Case, Interaction
from careline.profile.models.network import (
    Incident, IncidentService, IncidentUpdate, NetworkArea, OutageSubscriptionRow,
)
from careline.profile.models.subscriptions import Line, LineAddOn, UsageCycleRow

__all__ = [
    "AccountWrite", "AddOn", "Arrangement", "ArrangementInstalment", "BillingAccount", "Case",
    "Customer", "CustomerIdentity", "Incident", "IncidentService", "IncidentUpdate",
    "Interaction", "Invoice", "InvoiceLineRow", "Line", "LineAddOn", "NetworkArea",
    "OutageSubscriptionRow", "Payment", "Plan", "RoamingDestination", "UsageCycleRow",
]
