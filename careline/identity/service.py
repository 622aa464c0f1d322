"""IdentityService: who is writing, and is it really them?

Web chat sign-in sends a one-time code to the number on file for an account;
sensitive operations ask for a second factor: the account PIN, or a one-time
code when the customer has no PIN. Codes go out through the channels'
outbound sender, so opt-outs and delivery records apply to them too.

Failed checks count per customer across conversations and channels
(:mod:`careline.identity.lockout`): every try is counted before it is compared, so
parallel guesses cannot pass the limit; while a customer is locked out for a purpose,
no code is sent and no PIN or code is compared; a passed check clears the count.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable, Optional, TypeVar

from careline.db.session import run_blocking
from careline.identity.lockout import FailedCheckLockout
from careline.identity.channel_trust import Proof
from careline.identity.otp import DEFAULT_MAX_ATTEMPTS, OneTimeCodeService
from careline.identity.schemas import ClaimedTry, CodeCheck, CodeOutcome, Lockout, PinCheck
from careline.identity.turn_results import TurnResults
from careline.observability.redact import mask_account
from careline.profile.errors import CustomerNotFound, InvalidIdentity
from careline.profile.schemas import CustomerRef, IdentityKind, UnifiedProfile
from careline.profile.service import ProfileService

logger = logging.getLogger(__name__)
T = TypeVar("T")

SIGN_IN = "sign_in"
SECOND_FACTOR = "second_factor"
PIN_DIGITS = 4

#: Code outcomes where a guess was compared with the code and was wrong.
WRONG_GUESSES = frozenset({CodeOutcome.WRONG, CodeOutcome.LOCKED})


@dataclass(frozen=True)
class CodeDelivery:
    """Where a code went, for the bot to say "the number ending 02"; none went while locked out."""

    customer_id: int
    masked_number: Optional[str]
    sent: bool
    lockout: Optional[Lockout] = None


class IdentityService:
    """Async on purpose: it both reads the database and sends a text."""

    def __init__(self, profiles: Optional[ProfileService] = None,
                 codes: Optional[OneTimeCodeService] = None,
                 lockout: Optional[FailedCheckLockout] = None,
                 results: Optional[TurnResults] = None) -> None:
        self._profiles = profiles or ProfileService()
        self._codes = codes or OneTimeCodeService()
        self._lockout = lockout or FailedCheckLockout()
        self._results = results or TurnResults()

    async def find_account(self, *, account_number: str) -> Optional[CustomerRef]:
        """By account number, or by mobile number (all digits, as pay-as-you-go customers
        sign in: they have no bill to read an account number from)."""
        normalised = "".join(account_number.split()).upper()
        if normalised.lstrip("+").isdigit():
            return await self._find(channel="sms", address=normalised)
        return await run_blocking(functools.partial(
            self._profiles.find_customer_by_account, account_number=normalised))

    async def find_web_visitor(self, *, who: str) -> Optional[CustomerRef]:
        """The customer a web chat visitor names: account number, email, web account id or
        mobile number; None for anything else (answered like an unknown account)."""
        text = who.strip()
        if not text or len(text) > 254:
            return None
        if "@" not in text and ("".join(text.split()).lstrip("+").isdigit()
                                or text.upper().startswith("CL")):
            return await self.find_account(account_number=text)
        return await self._find(channel="webchat", address=text)

    async def _find(self, *, channel: str, address: str) -> Optional[CustomerRef]:
        """A malformed address names nobody (no error: it is answered like a stranger's)."""
        try:
            return await run_blocking(functools.partial(
                self._profiles.find_customer, channel=channel, address=address))
        except InvalidIdentity:
            return None

    async def send_code(self, *, customer_id: int, purpose: str) -> CodeDelivery:
        """Issue a code and text it to the number on file (never to a number we were given).

        While the customer is locked out for ``purpose``, or has had as many codes as the
        limit allows (per customer and per number), no code is issued or sent.
        """
        lockout = await self.lockout(customer_id=customer_id, purpose=purpose)
        if lockout is not None:
            return CodeDelivery(customer_id=customer_id, masked_number=None, sent=False,
                                lockout=lockout)
        profile = await run_blocking(functools.partial(
            self._profiles.get_profile, customer_id=customer_id, interactions=0))
        number = number_on_file(profile)
        if number is None:
            return CodeDelivery(customer_id=customer_id, masked_number=None, sent=False)
        issued = await run_blocking(functools.partial(
            self._codes.issue, customer_id=customer_id, purpose=purpose, sent_to=number))
        if issued is None:
            logger.warning("code for customer %s not sent: too many codes to the customer or "
                           "the number within the window", customer_id)
            return CodeDelivery(customer_id=customer_id, masked_number=None, sent=False)
        from careline.channels.outbound import send_outbound

        result = await send_outbound(
            channel="sms", address=number,
            text=f"Your Careline code is {issued.code}. It expires in 10 minutes. "
                 "Never share it with anyone.")
        if not result.sent:
            logger.warning("code for customer %s not sent: %s", customer_id, result.reason)
        return CodeDelivery(customer_id=customer_id, masked_number=number[-2:],
                            sent=result.sent)

    def send_code_soon(self, *, customer_id: int, purpose: str) -> None:
        """:meth:`send_code` in the background: the caller answers at once, as quickly when
        there is an account to text as when there is none, so the time an answer takes
        cannot tell an asker which account numbers exist either. What happened is logged."""
        task = asyncio.get_running_loop().create_task(
            self._send_logged(customer_id=customer_id, purpose=purpose))
        _SENDING.add(task)
        task.add_done_callback(_SENDING.discard)

    async def _send_logged(self, *, customer_id: int, purpose: str) -> None:
        try:
            delivery = await self.send_code(customer_id=customer_id, purpose=purpose)
        except Exception:
            logger.exception("code for customer %s not sent", customer_id)
            return
        if not delivery.sent and delivery.lockout is None:
            logger.info("code for customer %s not sent", customer_id)

    async def check_code(self, *, customer_id: int, purpose: str, code: str,
                         turn_key: Optional[str] = None) -> CodeCheck:
        """Check a code unless locked out; a wrong guess counts towards the lockout. With
        ``turn_key``, a retry of the turn gets the first run's result (:meth:`_once`)."""
        return await self._once(turn_key, f"code_check:{purpose}", customer_id, CodeCheck,
                                lambda: self._check_code(customer_id=customer_id,
                                                         purpose=purpose, code=code))

    async def _check_code(self, *, customer_id: int, purpose: str, code: str) -> CodeCheck:
        claimed = await self._claim(customer_id=customer_id, purpose=purpose)
        if claimed.refused_by is not None:
            return CodeCheck(CodeOutcome.LOCKED_OUT, 0, claimed.refused_by)
        check = await run_blocking(functools.partial(
            self._codes.verify, customer_id=customer_id, purpose=purpose, code=code))
        if check.accepted:
            await self._passed(customer_id=customer_id, purpose=purpose)
        elif check.outcome not in WRONG_GUESSES:
            await run_blocking(functools.partial(self._lockout.withdraw, claimed))
        elif claimed.lock_if_wrong is not None:
            await self._warn(claimed.lock_if_wrong, "too many failed checks: locked out")
            return CodeCheck(CodeOutcome.LOCKED_OUT, 0, claimed.lock_if_wrong)
        return check

    async def check_pin(self, *, customer_id: int, pin: str,
                        turn_key: Optional[str] = None) -> PinCheck:
        """Check the PIN (a second factor) unless locked out; a wrong one counts towards it.
        With ``turn_key``, a retry of the turn gets the first run's result."""
        return await self._once(turn_key, "pin_check", customer_id, PinCheck,
                                lambda: self._check_pin(customer_id=customer_id, pin=pin))

    async def _check_pin(self, *, customer_id: int, pin: str) -> PinCheck:
        claimed = await self._claim(customer_id=customer_id, purpose=SECOND_FACTOR)
        if claimed.refused_by is not None:
            return PinCheck(accepted=False, lockout=claimed.refused_by)
        if await run_blocking(functools.partial(
                self._profiles.verify_pin, customer_id=customer_id, pin=pin)):
            await self._passed(customer_id=customer_id, purpose=SECOND_FACTOR)
            return PinCheck(accepted=True)
        if claimed.lock_if_wrong is not None:
            await self._warn(claimed.lock_if_wrong, "too many failed checks: locked out")
        return PinCheck(accepted=False, lockout=claimed.lock_if_wrong)

    async def check_sign_in(self, *, customer_id: int, answer: str,
                            turn_key: Optional[str] = None) -> tuple[CodeCheck, Proof]:
        """A sign-in answer: four digits are the PIN (when the customer has one), anything
        else the texted code. A wrong PIN counts towards the PIN's lockout and comes back
        as an ordinary wrong answer with every try left: the caller counts the attempt's
        tries, so a wrong PIN and a wrong code are answered alike."""
        answer_digits = "".join(ch for ch in answer if ch.isdigit())
        if len(answer_digits) == PIN_DIGITS and await self.has_pin(customer_id=customer_id):
            pin = await self.check_pin(customer_id=customer_id, pin=answer_digits,
                                       turn_key=turn_key)
            outcome = CodeOutcome.ACCEPTED if pin.accepted else CodeOutcome.WRONG
            return CodeCheck(outcome, DEFAULT_MAX_ATTEMPTS), Proof.PIN
        check = await self.check_code(customer_id=customer_id, purpose=SIGN_IN, code=answer,
                                      turn_key=turn_key)
        return check, Proof.ONE_TIME_CODE

    async def lockout(self, *, customer_id: int, purpose: str) -> Optional[Lockout]:
        """The running lock on this customer's checks for ``purpose``; logged when found."""
        lockout = await run_blocking(functools.partial(
            self._lockout.current, customer_id=customer_id, purpose=purpose))
        if lockout is not None:
            await self._warn(lockout, "still locked out, nothing sent or checked")
        return lockout

    async def _once(self, turn_key: Optional[str], kind: str, customer_id: int,
                    result_type: type[T], check: Callable[[], Awaitable[T]]) -> T:
        """``check()`` once per turn (:mod:`careline.identity.turn_results`). Runs of one
        turn hold the conversation's lock in turn, so they never check side by side."""
        if turn_key is None:
            return await check()
        kept = await run_blocking(functools.partial(
            self._results.recall, key=turn_key, kind=kind, customer_id=customer_id,
            result_type=result_type))
        if kept is not None:
            logger.info("%s for customer %s: this turn's earlier result", kind, customer_id)
            return kept
        result = await check()
        await run_blocking(functools.partial(self._results.keep, key=turn_key, kind=kind,
                                             customer_id=customer_id, result=result))
        return result

    async def _passed(self, *, customer_id: int, purpose: str) -> None:
        await run_blocking(functools.partial(
            self._lockout.clear, customer_id=customer_id, purpose=purpose))

    async def _claim(self, *, customer_id: int, purpose: str) -> ClaimedTry:
        """Count this try before comparing anything (see :mod:`careline.identity.lockout`)."""
        claimed = await run_blocking(functools.partial(
            self._lockout.claim_try, customer_id=customer_id, purpose=purpose))
        if claimed.refused_by is not None:
            await self._warn(claimed.refused_by, "still locked out, nothing sent or checked")
        return claimed

    async def _warn(self, lockout: Lockout, what: str) -> None:
        """Who and until when, with the account number masked; never what was tried."""
        try:
            customer = await run_blocking(functools.partial(
                self._profiles.get_customer, customer_id=lockout.customer_id))
            account = mask_account(customer.account_number)
        except CustomerNotFound:
            account = "unknown"
        logger.warning("%s for %s: customer %s (account %s) until %s", what, lockout.purpose,
                       lockout.customer_id, account, lockout.until.isoformat(timespec="seconds"))

    async def has_pin(self, *, customer_id: int) -> bool:
        customer = await run_blocking(functools.partial(
            self._profiles.get_customer, customer_id=customer_id))
        return customer.has_pin


#: Codes being texted by send_code_soon, kept so none is collected half-way.
_SENDING: set[asyncio.Task[None]] = set()


async def codes_sent() -> None:
    """Once every code started by :meth:`IdentityService.send_code_soon` has gone (or failed),
    for a caller that must know (a test counting texts, a graceful stop)."""
    loop = asyncio.get_running_loop()  # a task of a finished loop can no longer be awaited
    await asyncio.gather(*(task for task in _SENDING if task.get_loop() is loop),
                         return_exceptions=True)


def number_on_file(profile: UnifiedProfile) -> Optional[str]:
    """The customer's own mobile number: an SMS identity, else their primary line."""
    for identity in profile.customer.identities:
        if identity.kind is IdentityKind.MSISDN and not identity.opted_out:
            return identity.value
    line = profile.primary_line
    return line.msisdn if line else None


__all__ = ["IdentityService", "CodeDelivery", "CodeCheck", "CodeOutcome", "Lockout", "PinCheck",
           "SIGN_IN", "SECOND_FACTOR", "codes_sent", "number_on_file"]
