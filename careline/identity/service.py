"""IdentityService: who is writing, and is it really them?

Web chat sign-in sends a one-time code to the number on file for an account;
sensitive operations ask for a second factor: the account PIN, or a one-time
code when the customer has no PIN. Codes go out through the channels'
outbound sender, so opt-outs and delivery records apply to them too.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Optional

from careline.db.session import run_blocking
from careline.identity.otp import OneTimeCodeService
from careline.identity.schemas import CodeCheck, CodeOutcome
from careline.profile.schemas import CustomerRef, IdentityKind, UnifiedProfile
from careline.profile.service import ProfileService

logger = logging.getLogger(__name__)

SIGN_IN = "sign_in"
SECOND_FACTOR = "second_factor"


@dataclass(frozen=True)
class CodeDelivery:
    """Where a code went, for the bot to say "the number ending 02"."""

    customer_id: int
    masked_number: Optional[str]
    sent: bool


class IdentityService:
    """Async on purpose: it both reads the database and sends a text."""

    def __init__(self, profiles: Optional[ProfileService] = None,
                 codes: Optional[OneTimeCodeService] = None) -> None:
        self._profiles = profiles or ProfileService()
        self._codes = codes or OneTimeCodeService()

    async def find_account(self, *, account_number: str) -> Optional[CustomerRef]:
        normalised = "".join(account_number.split()).upper()
        return await run_blocking(functools.partial(
            self._profiles.find_customer_by_account, account_number=normalised))

    async def send_code(self, *, customer_id: int, purpose: str) -> CodeDelivery:
        """Issue a code and text it to the number on file (never to a number we were given)."""
        profile = await run_blocking(functools.partial(
            self._profiles.get_profile, customer_id=customer_id, interactions=0))
        number = number_on_file(profile)
        if number is None:
            return CodeDelivery(customer_id=customer_id, masked_number=None, sent=False)
        issued = await run_blocking(functools.partial(
            self._codes.issue, customer_id=customer_id, purpose=purpose))
        from careline.channels.outbound import send_outbound

        result = await send_outbound(
            channel="sms", address=number,
            text=f"Your Careline code is {issued.code}. It expires in 10 minutes. "
                 "Never share it with anyone.")
        if not result.sent:
            logger.warning("code for customer %s not sent: %s", customer_id, result.reason)
        return CodeDelivery(customer_id=customer_id, masked_number=number[-2:],
                            sent=result.sent)

    async def check_code(self, *, customer_id: int, purpose: str, code: str) -> CodeCheck:
        return await run_blocking(functools.partial(
            self._codes.verify, customer_id=customer_id, purpose=purpose, code=code))

    async def check_pin(self, *, customer_id: int, pin: str) -> bool:
        return await run_blocking(functools.partial(
            self._profiles.verify_pin, customer_id=customer_id, pin=pin))

    async def has_pin(self, *, customer_id: int) -> bool:
        profile = await run_blocking(functools.partial(
            self._profiles.get_profile, customer_id=customer_id, interactions=0))
        return profile.customer.has_pin


def number_on_file(profile: UnifiedProfile) -> Optional[str]:
    """The customer's own mobile number: an SMS identity, else their primary line."""
    for identity in profile.customer.identities:
        if identity.kind is IdentityKind.MSISDN and not identity.opted_out:
            return identity.value
    line = profile.primary_line
    return line.msisdn if line else None


__all__ = ["IdentityService", "CodeDelivery", "CodeCheck", "CodeOutcome", "SIGN_IN",
           "SECOND_FACTOR", "number_on_file"]
