"""How a planned notice reaches the customer and their Rasa conversation.

Two small pieces keep the service testable on its own:

- :class:`NoticeChannel`, the interface the service sends through (the
  production one is :class:`careline.proactive.routing.TwilioAndRasaChannel`:
  SMS/WhatsApp through ``careline.channels.outbound``, web chat through Rasa).
- :func:`notice_entities`: a notice goes into the customer's tracker through
  Rasa's trigger-intent API (:class:`careline.rasa_client.RasaClient`) as
  :data:`NOTICE_INTENT` with these entities, so a reply ("is it really fixed?")
  is answered in context. For SMS/WhatsApp, already sent by Twilio, it names
  the ``collector`` output channel, which records the bot's utterance without
  sending it again; for web chat it names ``webchat``, which delivers it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Protocol, Sequence

from careline.proactive.schemas import DeliveryReceipt, PlannedNotice

#: The external intent every notice triggers; domain/proactive.yml declares it.
NOTICE_INTENT = "EXTERNAL_outage_notice"
#: Output channel name that matches no input channel: Rasa collects, never re-sends.
RECORD_ONLY_CHANNEL = "collector"
STATUS_BY_ACTION = {"open": "opened", "update": "updated", "resolve": "resolved"}


class DeliveryError(Exception):
    """The channel refused the notice; nothing reached the customer, so a retry may send it.

    ``transient``: the reason may pass (Twilio or Rasa unreachable or overloaded), so the
    notice is sent again later (careline/proactive/retries.py).
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class OutcomeUnknown(Exception):
    """The channel cannot tell whether a notice reached the customer."""


class NoticeChannel(Protocol):
    async def prepare(self, notices: Sequence[PlannedNotice]) -> None:
        """Look up in bulk what delivering this batch needs (called before its deliveries)."""

    async def deliver(self, notice: PlannedNotice) -> DeliveryReceipt:
        """Send one notice; raise :class:`DeliveryError` if it was not accepted."""

    async def find_sent(self, notice: PlannedNotice, *, since: datetime) -> Optional[str]:
        """The provider's id of ``notice`` if it was already sent (at ``since`` or later),
        None if it was not; raises :class:`OutcomeUnknown` when the channel cannot tell."""

    async def flush(self) -> None:
        """Store what the batch's deliveries left to record (called after each batch)."""

    async def close(self) -> None:
        """Release connections."""


def notice_entities(notice: PlannedNotice) -> dict[str, str]:
    """The entities the external intent carries; they fill the ``outage_*`` slots."""
    return {"outage_incident": notice.incident_id,
            "outage_status": STATUS_BY_ACTION[notice.action.value],
            "outage_area": notice.area,
            "outage_notice": notice.text}
