"""The words of a notice: short for everyone, with detail and an ETA for VIPs.

Text stays within one SMS segment pair (≤ 306 GSM characters) and never
promotes anything: it names the problem, what we do, and how to reply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from careline.proactive.policy import customer_zone
from careline.proactive.schemas import IncidentAction, IncidentUpdate

#: The approved WhatsApp template used outside the 24-hour session window.
WHATSAPP_TEMPLATE = "careline_outage_update"
DETAILED_SEGMENTS = frozenset({"vip", "business"})
MAX_LENGTH = 306


def _local_eta(eta: Optional[datetime], timezone: str, default_zone: str) -> Optional[str]:
    if eta is None:
        return None
    return eta.astimezone(customer_zone(timezone, default_zone)).strftime("%H:%M on %d %b")


def render_notice(
    update: IncidentUpdate, *, segment: str, area: str, timezone: str, default_zone: str
) -> str:
    """The notice for one customer, in their timezone, with detail for VIP/business."""
    services = ", ".join(s.replace("_", " ") for s in update.services)
    eta = _local_eta(update.eta, timezone, default_zone)
    detailed = segment in DETAILED_SEGMENTS
    if update.action is IncidentAction.RESOLVE:
        text = f"Careline: the {services} problem in {area} is fixed. "
        if detailed and update.detail:
            text += f"{update.detail} "
        text += "If you still have trouble, restart your device or reply to this message."
    else:
        verb = "We're working on" if update.action is IncidentAction.OPEN else "Update on"
        text = f"Careline: {verb} a {services} problem in {area}: {update.summary}. "
        if detailed and update.detail:
            text += f"{update.detail} "
        if eta and detailed:
            text += f"Expected fix: {eta}. "
        elif eta:
            text += f"We expect it fixed by {eta}. "
        text += "No need to call; reply here with any question."
    return text if len(text) <= MAX_LENGTH else text[: MAX_LENGTH - 1] + "…"


def template_variables(
    update: IncidentUpdate, *, area: str, timezone: str, default_zone: str
) -> tuple[tuple[str, str], ...]:
    """Variables of the approved template: 1 = area, 2 = state, 3 = ETA or "soon"."""
    state = {
        IncidentAction.OPEN: "a service problem",
        IncidentAction.UPDATE: "an update on a service problem",
        IncidentAction.RESOLVE: "the service problem is fixed",
    }[update.action]
    eta = _local_eta(update.eta, timezone, default_zone) or "as soon as we can"
    return (("1", area), ("2", state), ("3", eta))
