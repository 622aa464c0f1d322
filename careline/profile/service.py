"""ProfileService: the one door actions, channels and the desk use to reach the profile.

Every method is synchronous, keyword-only, opens its own session and returns
frozen schemas. Async callers wrap a call in
``await careline.db.session.run_blocking(functools.partial(service.method, ...))``.
Read methods never write; an unknown identity gives ``None``, an unknown
customer id raises :class:`CustomerNotFound`, a malformed number raises
:class:`InvalidIdentity` with a reason.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Optional, Union

from sqlalchemy.engine import Engine

from careline.profile.schemas import (
    ArrangementEligibility, ArrangementInfo, ArrangementKind, BalanceInfo, BillExplanation,
    CaseRef, Channel, CustomerRef, InteractionInfo, InteractionOutcome, InteractionRef,
    OptOutResult, OutageInfo, OutageSubscription, PaymentType, PlanChangeResult, PlanInfo,
    PlanRecommendation, RoamingPassResult, RoamingQuote, ServiceKind, UnifiedProfile,
)

ChannelLike = Union[Channel, str]


class ProfileService:
    """Unified customer profile across CRM, billing, catalogue, usage, network, engagement."""

    def __init__(self, engine: Optional[Engine] = None) -> None:
        self._engine = engine

    # --- identity -------------------------------------------------------------------------
    def find_customer(self, *, channel: ChannelLike, address: str) -> Optional[CustomerRef]:
        """The customer behind a channel address (sms/whatsapp number, web account id, email)."""
        raise NotImplementedError

    def find_customer_by_account(self, *, account_number: str) -> Optional[CustomerRef]:
        raise NotImplementedError

    def verify_pin(self, *, customer_id: int, pin: str) -> bool:
        raise NotImplementedError

    # --- reads ------------------------------------------------------------------------------
    def get_profile(self, *, customer_id: int, interactions: int = 5) -> UnifiedProfile:
        raise NotImplementedError

    def balance(self, *, customer_id: int) -> BalanceInfo:
        raise NotImplementedError

    def explain_bill(self, *, customer_id: int) -> Optional[BillExplanation]:
        raise NotImplementedError

    def outages_for_customer(self, *, customer_id: int,
                             include_resolved: bool = False) -> tuple[OutageInfo, ...]:
        raise NotImplementedError

    def list_plans(self, *, payment_type: Optional[PaymentType] = None) -> tuple[PlanInfo, ...]:
        raise NotImplementedError

    def recommend_plan(self, *, customer_id: int,
                       price_tolerance: Optional[Decimal] = None) -> PlanRecommendation:
        raise NotImplementedError

    def roaming_quote(self, *, customer_id: int, country: str, days: int) -> RoamingQuote:
        raise NotImplementedError

    def arrangement_eligibility(self, *, customer_id: int) -> ArrangementEligibility:
        raise NotImplementedError

    def recent_interactions(self, *, customer_id: int, limit: int = 5,
                            channel: Optional[ChannelLike] = None
                            ) -> tuple[InteractionInfo, ...]:
        raise NotImplementedError

    # --- writes -------------------------------------------------------------------------------
    def change_plan(self, *, customer_id: int, plan_code: str) -> PlanChangeResult:
        raise NotImplementedError

    def add_roaming_pass(self, *, customer_id: int, country: str, days: int) -> RoamingPassResult:
        raise NotImplementedError

    def create_payment_arrangement(self, *, customer_id: int, kind: ArrangementKind,
                                   instalments: int = 1,
                                   deferral_days: int = 0) -> ArrangementInfo:
        raise NotImplementedError

    def open_dispute(self, *, customer_id: int, amount: Decimal, reason: str,
                     invoice_number: Optional[str] = None,
                     channel: ChannelLike = Channel.WEBCHAT) -> CaseRef:
        raise NotImplementedError

    def report_fault(self, *, customer_id: int, description: str,
                     service: Optional[ServiceKind] = None,
                     channel: ChannelLike = Channel.WEBCHAT) -> CaseRef:
        raise NotImplementedError

    def subscribe_outage_updates(self, *, customer_id: int, channel: ChannelLike,
                                 incident_reference: Optional[str] = None
                                 ) -> OutageSubscription:
        raise NotImplementedError

    def set_channel_opt_out(self, *, channel: ChannelLike, address: str,
                            opted_out: bool) -> OptOutResult:
        raise NotImplementedError

    def record_interaction(self, *, customer_id: Optional[int], channel: ChannelLike,
                           summary: str, intent: Optional[str] = None,
                           outcome: InteractionOutcome = InteractionOutcome.RESOLVED,
                           handed_off: bool = False, satisfaction: Optional[int] = None,
                           conversation_id: Optional[str] = None,
                           occurred_at: Optional[datetime] = None) -> InteractionRef:
        raise NotImplementedError
