"""One call's view of every silo, over one session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlalchemy.orm import Session

from careline.profile.silos.protocols import (
    BillingAccountSilo, CatalogueSilo, CrmSilo, CustomerBillSilo, EngagementSilo, NetworkSilo,
    UsageSilo,
)
from careline.profile.silos.sql import (
    SqlBillingAccounts, SqlBills, SqlCatalogue, SqlCrm, SqlEngagement, SqlNetwork, SqlProfile,
    SqlUsage,
)


@dataclass(frozen=True)
class Silos:
    """One call's view of every silo."""

    crm: CrmSilo
    bills: CustomerBillSilo
    accounts: BillingAccountSilo
    catalogue: CatalogueSilo
    usage: UsageSilo
    network: NetworkSilo
    engagement: EngagementSilo
    #: Every SQL silo of one customer in one statement: the unified profile's read.
    profile: SqlProfile


def silos_over(session: Session, *, today: date,
               bills: Optional[CustomerBillSilo] = None) -> Silos:
    """Every silo reading through ``session``; ``bills`` replaces our bill tables (an
    operator's bill API)."""
    return Silos(crm=SqlCrm(session), bills=bills or SqlBills(session, today),
                 accounts=SqlBillingAccounts(session), catalogue=SqlCatalogue(session),
                 usage=SqlUsage(session), network=SqlNetwork(session),
                 engagement=SqlEngagement(session), profile=SqlProfile(session, today))
