"""Call-backs an after-hours customer books: three times to choose from, then a confirmation.

Out of hours the bot offers a call back; a customer who replies CALLBACK used to be
flagged and left wondering. Now the desk answers at once with the next three times
inside opening hours (buttons on web chat and WhatsApp, numbered on SMS), and the
time the customer picks is booked on the ticket and confirmed in the same chat. The
titles are the payloads, so the customer's answer is the title they chose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Sequence
from zoneinfo import ZoneInfo

from careline.handoff.policy import ServiceHours
from careline.handoff.schemas import ContextPackage
from careline.handoff.service_hours import window_at

SLOT_GAP = timedelta(hours=2)
OFFER = "When should we call you? Pick a time ({zone} time):"


@dataclass(frozen=True)
class CallbackMessage:
    """What the desk says to the customer next, and its buttons (titles are the payloads)."""

    message_id: int
    text: str
    choices: tuple[str, ...] = ()


def call_back_slots(hours: ServiceHours, now: datetime, *, count: int = 3) -> tuple[datetime, ...]:
    """The next ``count`` whole-hour times inside opening hours, two hours apart."""
    zone = ZoneInfo(hours.timezone)
    candidate = (now.astimezone(zone) + timedelta(hours=1)).replace(minute=0, second=0,
                                                                    microsecond=0)
    slots: list[datetime] = []
    for _ in range(count * 20):
        if len(slots) == count:
            break
        window = window_at(hours, candidate)
        if window.open_now:
            slots.append(candidate)
            candidate += SLOT_GAP
        elif window.next_opening is None:
            break
        else:
            candidate = window.next_opening
    return tuple(slots)


def slot_title(at: datetime, hours: ServiceHours) -> str:
    return at.astimezone(ZoneInfo(hours.timezone)).strftime("%a %d %b, %H:%M")


def offer_text(hours: ServiceHours) -> str:
    return OFFER.format(zone=hours.timezone.split("/")[-1].replace("_", " "))


def chosen_slot(text: str, offered: Sequence[datetime], hours: ServiceHours) -> Optional[datetime]:
    """The offered time the customer's answer names (its title, or its number)."""
    answer = text.strip().rstrip(".").strip()
    if answer.isdigit() and 1 <= int(answer) <= len(offered):
        return offered[int(answer) - 1]
    for at in offered:
        if answer.casefold() == slot_title(at, hours).casefold():
            return at
    return None


def phone_to_ring(package: ContextPackage) -> Optional[str]:
    """The first line on the account, else the sender when it is a phone number."""
    if package.customer is not None and package.customer.lines:
        return package.customer.lines[0].msisdn
    sender = package.conversation.sender or ""
    return sender if sender.startswith("+") else None


def confirmation(at: datetime, hours: ServiceHours, number: Optional[str]) -> str:
    on = f" on {number}" if number else ""
    return (f"Booked: we'll call you{on} on {slot_title(at, hours)} "
            f"({hours.timezone.split('/')[-1].replace('_', ' ')} time). "
            "Reply here if you need to change it.")
