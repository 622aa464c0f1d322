"""Find a ticket by customer name, phone number, account, case reference or ticket number.

Agents type what the customer tells them: "07700 900101", "CL10000101",
"CASE-1234", "#12" or a name. A ticket keeps one lower-case lookup text made when
it arrives, so one ``LIKE`` finds it whichever of these is typed; a
phone number is compared in E.164 whatever way it was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from careline.handoff.schemas import ContextPackage
from careline.profile.errors import InvalidIdentity
from careline.profile.phone import normalise_msisdn

_TICKET_NUMBER = re.compile(r"^#?(\d{1,9})$")
_PHONE_LIKE = re.compile(r"^[+\d][\d\s().-]{6,}$")


@dataclass(frozen=True)
class TicketQuery:
    text: str  # lower-case, compared as a substring of the lookup text
    ticket_id: Optional[int] = None


def lookup_text(package: ContextPackage) -> str:
    """What a ticket can be found by, in one lower-case string."""
    customer = package.customer
    words = [package.conversation.sender]
    if customer is not None:
        words += [customer.full_name, customer.account_number,
                  *(line.msisdn for line in customer.lines),
                  *(case.reference for case in customer.open_cases)]
    return " ".join(w.lower() for w in words if w)


def parse_query(raw: str, *, region: str) -> Optional[TicketQuery]:
    text = raw.strip()
    if not text:
        return None
    number = _TICKET_NUMBER.match(text)
    if _PHONE_LIKE.match(text):
        try:
            return TicketQuery(text=normalise_msisdn(text, region=region).lower(),
                               ticket_id=int(number.group(1)) if number else None)
        except InvalidIdentity:
            pass
    return TicketQuery(text=text.lower(), ticket_id=int(number.group(1)) if number else None)
