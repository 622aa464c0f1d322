"""The unified view of one customer across every silo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from careline.profile.enums import Segment
from careline.profile.schemas.billing import BalanceInfo, InvoiceInfo
from careline.profile.schemas.crm import CustomerInfo
from careline.profile.schemas.engagement import CaseRef, InteractionInfo
from careline.profile.schemas.network import OutageInfo
from careline.profile.schemas.usage import LineInfo


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
