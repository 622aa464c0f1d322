"""Turn one incident update into an ordered notice plan: a pure function, easy to test.

Who hears: opted-in customers of the affected areas, on their preferred
channel (falling back to SMS), VIP and business first. Who does not, and
why, is part of the plan so the log can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Mapping, Optional

from careline.channels.conversation_key import customer_sender_id
from careline.profile.contacts import whatsapp_window_open
from careline.proactive.messages import WHATSAPP_TEMPLATE, render_notice, template_variables
from careline.proactive.policy import ContactPolicy, in_quiet_hours, over_rate_limit
from careline.proactive.schemas import (
    DeliveryMode,
    IncidentAction,
    IncidentUpdate,
    NoticePlan,
    PlannedNotice,
    Recipient,
    Skipped,
    Suppression,
)

#: Segments in the order they are told; unknown segments go last.
SEGMENT_ORDER = ("vip", "business", "postpaid", "prepaid")


def conversation_id(customer_id: int, mode: DeliveryMode, address: str) -> str:
    """The Rasa sender id of the customer's conversation.

    Careline's channels key a known customer's conversation by customer id,
    the same on every channel; a live web chat notice goes to that session's
    own id (the address the planner chose).
    """
    return address if mode is DeliveryMode.WEBCHAT else customer_sender_id(customer_id)


@dataclass(frozen=True)
class PlanContext:
    """What the planner needs beyond the update: the clock, the policy, the log's counts."""

    now: datetime
    policy: ContactPolicy
    recent_counts: Mapping[int, int]
    told_about_incident: frozenset[int] = frozenset()
    conversation_id_for: Callable[[int, DeliveryMode, str], str] = conversation_id


def segment_rank(segment: str) -> int:
    return SEGMENT_ORDER.index(segment) if segment in SEGMENT_ORDER else len(SEGMENT_ORDER)


def choose_mode(recipient: Recipient, *, now: datetime) -> tuple[Optional[DeliveryMode], str]:
    """The channel to use, or ``None`` with the reason none is usable."""
    blocked = recipient.opted_out_channels
    candidates: list[tuple[DeliveryMode, str]] = []
    preferred = recipient.preferred_channel
    if preferred == "webchat" and recipient.webchat_conversation:
        candidates.append((DeliveryMode.WEBCHAT, recipient.webchat_conversation))
    if preferred == "whatsapp" and recipient.whatsapp:
        mode = (DeliveryMode.WHATSAPP_SESSION
                if whatsapp_window_open(recipient.last_whatsapp_inbound, now=now)
                else DeliveryMode.WHATSAPP_TEMPLATE)
        candidates.append((mode, recipient.whatsapp))
    if recipient.msisdn:
        candidates.append((DeliveryMode.SMS, recipient.msisdn))
    allowed = [(mode, address) for mode, address in candidates if mode.channel not in blocked]
    if allowed:
        return allowed[0][0], allowed[0][1]
    return None, Suppression.OPTED_OUT.value if candidates else Suppression.NO_CHANNEL.value


def _suppression(update: IncidentUpdate, recipient: Recipient, ctx: PlanContext) -> Optional[Suppression]:
    if not recipient.opted_in:
        return Suppression.NOT_OPTED_IN
    resolving = update.action is IncidentAction.RESOLVE
    if resolving and recipient.customer_id not in ctx.told_about_incident:
        return Suppression.NOT_TOLD
    if not update.service_critical and in_quiet_hours(
        ctx.policy, now=ctx.now, timezone=recipient.timezone
    ):
        return Suppression.QUIET_HOURS
    exempt = resolving and recipient.customer_id in ctx.told_about_incident
    if not exempt and over_rate_limit(
        ctx.policy, recent_count=ctx.recent_counts.get(recipient.customer_id, 0)
    ):
        return Suppression.RATE_LIMITED
    return None


def plan_notices(
    update: IncidentUpdate, recipients: Iterable[Recipient], ctx: PlanContext
) -> NoticePlan:
    """Plan who is told, how and in which order; every recipient is either planned or skipped."""
    notices: list[PlannedNotice] = []
    skipped: list[Skipped] = []
    ordered = sorted(recipients, key=lambda r: (segment_rank(r.segment), r.customer_id))
    seen: set[int] = set()
    for recipient in ordered:
        if recipient.customer_id in seen:
            continue
        seen.add(recipient.customer_id)
        reason = _suppression(update, recipient, ctx)
        if reason is not None:
            skipped.append(Skipped(recipient.customer_id, reason))
            continue
        mode, address = choose_mode(recipient, now=ctx.now)
        if mode is None:
            skipped.append(Skipped(recipient.customer_id, Suppression(address)))
            continue
        zone = ctx.policy.default_timezone
        text = render_notice(update, segment=recipient.segment, area=recipient.area,
                             timezone=recipient.timezone, default_zone=zone)
        template = WHATSAPP_TEMPLATE if mode is DeliveryMode.WHATSAPP_TEMPLATE else None
        variables = (template_variables(update, area=recipient.area, timezone=recipient.timezone,
                                        default_zone=zone) if template else ())
        notices.append(PlannedNotice(
            customer_id=recipient.customer_id, segment=recipient.segment, mode=mode,
            address=address, conversation_id=ctx.conversation_id_for(recipient.customer_id, mode, address),
            text=text, incident_id=update.incident_id, action=update.action,
            area=recipient.area, template=template, template_variables=variables,
        ))
    return NoticePlan(notices=tuple(notices), skipped=tuple(skipped))
