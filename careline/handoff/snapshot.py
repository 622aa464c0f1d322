"""Trim the unified profile to the snapshot an agent reads beside the chat."""

from __future__ import annotations

from careline.handoff.schemas import (
    CaseSnapshot, CustomerSnapshot, InteractionSnapshot, LineSnapshot, OutageSnapshot,
)
from careline.profile.schemas import UnifiedProfile

MAX_INTERACTIONS = 5


def snapshot_profile(profile: UnifiedProfile, *, verified: bool) -> CustomerSnapshot:
    customer = profile.customer
    lines = tuple(
        LineSnapshot(
            msisdn=line.msisdn, plan_name=line.plan.name, plan_code=line.plan.code,
            monthly_price=line.plan.monthly_price,
            contract_ends_on=line.contract_ends_on.isoformat() if line.contract_ends_on else None,
            data_used_gb=line.usage.current.data_gb if line.usage else None,
            data_allowance_gb=line.plan.data_gb,
        )
        for line in profile.lines
    )
    return CustomerSnapshot(
        customer_id=customer.customer_id,
        account_number=customer.account_number,
        full_name=customer.full_name,
        segment=customer.segment.value,
        customer_since=customer.customer_since.isoformat(),
        verified=verified,
        lines=lines,
        amount_due=profile.balance.amount_due,
        overdue_amount=profile.balance.overdue_amount,
        currency=profile.balance.currency,
        latest_invoice_total=profile.latest_invoice.total if profile.latest_invoice else None,
        active_outages=tuple(
            OutageSnapshot(reference=o.reference, title=o.title, status=o.status.value, eta=o.eta)
            for o in profile.outages if o.is_active
        ),
        recent_interactions=tuple(
            InteractionSnapshot(occurred_at=i.occurred_at, channel=i.channel.value,
                                summary=i.summary, outcome=i.outcome.value)
            for i in profile.recent_interactions[:MAX_INTERACTIONS]
        ),
        open_cases=tuple(
            CaseSnapshot(reference=c.reference, kind=c.kind.value, status=c.status.value,
                         summary=c.summary)
            for c in profile.open_cases
        ),
    )
