"""Verification: sign-in by a one-time code texted to the number on file or the account
PIN, and the second factor (PIN, or a one-time code when there is no PIN) that sensitive
forms ask for.

A customer the channel names (an SMS or WhatsApp number on file) is texted a code at once
and asked for it or the PIN: prepaid customers have no bill and so no account number to
give. Anyone else (a web visitor, an unknown number) gives an account number, or on
pay-as-you-go their mobile number, and the code goes to the number on file.

As many failed tries as the handoff policy allows (``failed_verification.attempts`` in
careline/handoff/policy.yml) end the attempt; the rules then run ``action_verification_failed``,
which hands the conversation to a person with the reason ``failed_verification``.
Failures also count per customer across conversations (:mod:`careline.identity.lockout`):
a locked-out customer gets no code and no check, and the attempt ends the same way. Sign-in
answers alike whether the account exists or not, so a sign-in lockout is not announced (it
would tell the asker the account is real); a second factor's lockout is:
``verification_paused`` makes the handoff say that checks are paused for their security
(a sensitive form that finds the lock before asking anything says so and hands off itself).
"""

from __future__ import annotations

import logging
import re
from abc import abstractmethod
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.customer import apologise, hand_off, write_key
from actions.fault_cases import one_step_sign_in
from actions.forms import InterruptibleForm
from actions.parsing import account_number, digits
from careline.handoff.policy import get_policy
from careline.identity.channel_trust import Proof, second_factor_slots, verified_slots
from careline.identity.otp import DEFAULT_MAX_ATTEMPTS as CODE_TRIES
from careline.identity.schemas import CodeOutcome, PinCheck
from careline.identity.service import SECOND_FACTOR, SIGN_IN, IdentityService

logger = logging.getLogger(__name__)

MOBILE_NUMBER = re.compile(r"(?<!\d)(?:\+44\s?7|07)(?:\s?\d){9}(?!\d)")
PASSED = "verified"  # what a code slot holds once checked: never the code itself
#: The slot whose values are the intents answered only once the customer is verified.
PENDING_REQUEST = "pending_request"


def identity_service() -> IdentityService:
    return IdentityService()


def max_attempts() -> int:
    """Failed checks in a row that end an attempt: the handoff policy's, so the number an
    operator reads in policy.yml is the number a customer gets."""
    return get_policy().triggers.failed_verification.attempts


def attempts(tracker: Tracker) -> int:
    return int(tracker.get_slot("verification_attempts") or 0)


def out_of_attempts(tracker: Tracker) -> bool:
    return attempts(tracker) >= max_attempts()


def paused() -> dict[str, Any]:
    """Slots that end the attempt because the customer is locked out (see
    ActionVerificationFailed)."""
    return {"verification_attempts": max_attempts(), "verification_paused": True}


def protected_requests(domain: DomainDict) -> frozenset[str]:
    """The intents answered only once the customer is verified: the values of the
    ``pending_request`` slot (domain/identity.yml), the one list the rules resume from and
    ``careline validate`` checks them against."""
    slot = (domain.get("slots") or {}).get(PENDING_REQUEST) or {}
    return frozenset(str(value) for value in slot.get("values") or ())


class ValidateVerificationForm(InterruptibleForm):
    """Account number, then the code texted to the number on file."""

    def name(self) -> str:
        return "validate_verification_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        events: list[EventType] = []
        activating = tracker.get_slot("requested_slot") is None
        if activating:  # remember what to answer afterwards (nothing, for "verify me")
            asked = intent if intent in protected_requests(domain) else None
            events.append(SlotSet(PENDING_REQUEST, asked))
        named = tracker.get_slot("channel_customer_id")
        if activating and named is not None and not tracker.get_slot("verified") \
                and tracker.get_slot("claimed_customer_id") is None:
            events.extend(await one_step_sign_in(dispatcher, int(named)) or [])
        return events + await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        if tracker.get_slot("verified") or out_of_attempts(tracker):
            return []
        return domain_slots

    async def validate_account_number(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Whatever the account (ours or not, locked out, no code sent), the asker hears the
        same ``utter_code_sent``, as quickly (the code is texted after the reply), and is
        asked for a code: a different answer would let anyone test which account numbers
        exist and whose they are. Only the log says what happened."""
        if tracker.get_slot("requested_slot") == "otp_code" or (
                tracker.get_slot("claimed_customer_id") is not None and
                tracker.get_slot("requested_slot") != "account_number"):
            return {}  # a code that merely looks like an account number: keep the account
        number = account_number(str(value)) or mobile_number(str(value))
        if number is None:  # "my internet is down" is not a wrong account number: no try used
            dispatcher.utter_message(response="utter_not_an_account_number")
            return {"account_number": None}
        service = identity_service()
        try:
            customer = await service.find_account(account_number=number)
        except Exception:
            logger.exception("sign-in lookup failed")
            dispatcher.utter_message(response="utter_service_trouble")
            return {"account_number": None, "verification_attempts": max_attempts()}
        dispatcher.utter_message(response="utter_code_sent")
        if customer is None:
            logger.info("sign-in: no such account")
            return {"account_number": number, "claimed_customer_id": None}
        # locked out, or past the codes' limit: no code goes, and guesses fail as for anyone
        service.send_code_soon(customer_id=customer.customer_id, purpose=SIGN_IN)
        return {"account_number": number, "claimed_customer_id": customer.customer_id,
                "customer_name": customer.first_name}

    async def validate_otp_code(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """A wrong code, or a code for an account that got none, gets the same answers, and
        the attempt ends after the same tries: the code step must not tell accounts apart
        either. So every try is counted in the conversation, and a code that cannot match
        (expired, none open, or a sign-in lockout that begins mid-attempt) is answered from
        that count like the rest, never by ending the attempt early."""
        claimed = tracker.get_slot("claimed_customer_id")
        if claimed is None:
            return wrong_try(dispatcher, tracker)
        try:
            check, how = await identity_service().check_sign_in(
                customer_id=int(claimed), answer=str(value),
                turn_key=write_key(tracker, "sign_in_check"))
        except Exception:
            logger.exception("code check failed")
            dispatcher.utter_message(response="utter_service_trouble")
            return {"otp_code": None, "verification_attempts": max_attempts()}
        if check.accepted:
            channel = tracker.get_slot("channel")  # set from the channel's own proof
            return {"otp_code": PASSED, "customer_id": int(claimed), "verification_attempts": 0,
                    **verified_slots(how, channel), **second_factor_slots(how, channel)}
        if check.outcome is CodeOutcome.LOCKED:  # the code's last try
            return {"otp_code": None, "verification_attempts": max_attempts()}
        code_tries = CODE_TRIES - check.attempts_left if check.outcome is CodeOutcome.WRONG else 0
        return wrong_try(dispatcher, tracker, code_tries=code_tries,
                         response=wrong_answer_response(how, pin_offered=pin_offered(tracker)))


def mobile_number(text: str) -> Optional[str]:
    """A UK mobile number as a pay-as-you-go customer gives it instead of an account number
    (they have no bill to read one from): ``07…`` or ``+447…``, spaces allowed."""
    match = MOBILE_NUMBER.search(text)
    return digits(match.group(0)) if match else None


def pin_offered(tracker: Tracker) -> bool:
    """True when the sign-in ask may name the PIN: the account claimed is the one the
    channel names (ActionAskOtpCode then offers it when the account has one)."""
    named = tracker.get_slot("channel_customer_id")
    claimed = tracker.get_slot("claimed_customer_id")
    return claimed is not None and named is not None and int(claimed) == int(named)


def wrong_answer_response(how: Proof, *, pin_offered: bool) -> str:
    """The PIN's own "doesn't match" when the answer was checked as the PIN the customer was
    offered; the code's otherwise. A PIN nobody offered is never named: to a stranger, "That
    PIN doesn't match" would say the claimed account exists and has one."""
    return "utter_wrong_pin" if how is Proof.PIN and pin_offered else "utter_wrong_code"


def wrong_try(dispatcher: CollectingDispatcher, tracker: Tracker, *,
              code_tries: int = 0, response: str = "utter_wrong_code") -> dict[str, Any]:
    """A code that did not match, whatever the reason (wrong, expired, none sent, checks
    paused): answered alike and counted in the conversation (or by the code, when it has
    counted more), so a real account's tries run out exactly as a stranger's do (a one-time
    code locks itself after CODE_TRIES wrong tries, whatever the policy allows). ``response``
    names the PIN only where :func:`wrong_answer_response` allows."""
    limit = max_attempts()
    tries = max(attempts(tracker) + 1, code_tries)
    if tries >= limit:
        return {"otp_code": None, "verification_attempts": limit}
    dispatcher.utter_message(response=response, attempts_left=limit - tries)
    return {"otp_code": None, "verification_attempts": tries}


class SecondFactorForm(InterruptibleForm):
    """Base of the sensitive forms: ``security_code`` first, unless already given this session."""

    @abstractmethod
    def name(self) -> str:
        """Each sensitive form's validation action names itself."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        """A failed lookup while validating stops the form politely instead of going quiet."""
        try:
            return await super().run(dispatcher, tracker, domain)
        except Exception:
            logger.exception("%s failed", self.name())
            return [*apologise(dispatcher), ActiveLoop(None), SlotSet("requested_slot", None)]

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        if out_of_attempts(tracker) and not tracker.get_slot("second_factor"):
            return []
        if tracker.get_slot("second_factor"):
            return [slot for slot in domain_slots if slot != "security_code"]
        return domain_slots

    async def validate_security_code(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        customer_id = tracker.get_slot("customer_id")
        if customer_id is None or not tracker.get_slot("verified"):
            return {"security_code": None, "verification_attempts": max_attempts()}
        answer = digits(str(value))
        service, turn = identity_service(), write_key(tracker, "second_factor_check")
        try:
            if tracker.get_slot("second_factor_method") == "code":
                check = await service.check_code(customer_id=int(customer_id),
                                                 purpose=SECOND_FACTOR, code=answer,
                                                 turn_key=turn)
                passed, lockout, spent = check.accepted, check.lockout, check.outcome not in (
                    CodeOutcome.ACCEPTED, CodeOutcome.WRONG)
            else:
                pin = await service.check_pin(customer_id=int(customer_id), pin=answer,
                                              turn_key=turn) \
                    if answer else PinCheck(accepted=False)
                passed, lockout, spent = pin.accepted, pin.lockout, False
        except Exception:
            logger.exception("second factor check failed")
            dispatcher.utter_message(response="utter_service_trouble")
            return {"security_code": None, "verification_attempts": max_attempts()}
        if lockout:
            return {"security_code": None, **paused()}
        if passed:
            how = Proof.ONE_TIME_CODE if tracker.get_slot("second_factor_method") == "code" \
                else Proof.PIN
            return {"security_code": PASSED, "verification_attempts": 0,
                    **second_factor_slots(how, tracker.get_slot("channel"))}
        limit = max_attempts()
        tries = limit if spent else attempts(tracker) + 1
        if tries < limit:
            dispatcher.utter_message(response="utter_wrong_pin", attempts_left=limit - tries)
        return {"security_code": None, "verification_attempts": tries}


class ActionAskOtpCode(Action):
    """Ask for the sign-in code, and the PIN as the other way in when the account has one
    (worded only once a code went to a customer the channel names: telling a stranger
    whether an account has a PIN would tell them the account exists)."""

    def name(self) -> str:
        return "action_ask_otp_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        claimed = tracker.get_slot("claimed_customer_id")
        with_pin = False
        if pin_offered(tracker):
            try:
                with_pin = await identity_service().has_pin(customer_id=int(claimed))
            except Exception:
                logger.exception("could not read whether customer %s has a PIN", claimed)
        dispatcher.utter_message(response="utter_ask_otp_code_or_pin" if with_pin
                                 else "utter_ask_otp_code")
        return []


class ActionAskSecurityCode(Action):
    """Ask for the PIN, or text a one-time code to customers who have no PIN."""

    def name(self) -> str:
        return "action_ask_security_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        customer_id = tracker.get_slot("customer_id")
        method = tracker.get_slot("second_factor_method")
        if method == "code" or customer_id is None:
            dispatcher.utter_message(response="utter_ask_pin" if method != "code"
                                     else "utter_ask_otp_code")
            return []
        service = identity_service()
        try:
            if await service.has_pin(customer_id=int(customer_id)):
                if await service.lockout(customer_id=int(customer_id), purpose=SECOND_FACTOR):
                    return stop_paused(dispatcher)
                dispatcher.utter_message(response="utter_ask_pin")
                return [SlotSet("second_factor_method", "pin")]
            # send_code checks the lockout itself (and then sends nothing)
            delivery = await service.send_code(customer_id=int(customer_id),
                                               purpose=SECOND_FACTOR)
        except Exception:
            logger.exception("could not start a second factor")
            dispatcher.utter_message(response="utter_service_trouble")
            return [SlotSet("verification_attempts", max_attempts())]
        if delivery.lockout:
            return stop_paused(dispatcher)
        if not delivery.sent:
            dispatcher.utter_message(response="utter_code_not_sent")
            return [SlotSet("verification_attempts", max_attempts())]
        dispatcher.utter_message(response="utter_ask_code_instead_of_pin",
                                 masked_number=delivery.masked_number)
        return [SlotSet("second_factor_method", "code")]


def stop_paused(dispatcher: CollectingDispatcher) -> list[EventType]:
    """Locked out before even asking (the form is just starting): say so, hand off and end the
    form here, rather than rely on the rules for a form that ends as it starts."""
    return [*give_up(dispatcher, paused=True), SlotSet("requested_slot", None)]


def give_up(dispatcher: CollectingDispatcher, *, paused: bool) -> list[EventType]:
    """Tell the customer why we stop (a failed check, or checks paused) and pass them on."""
    dispatcher.utter_message(response="utter_verification_paused" if paused
                             else "utter_verification_failed")
    return [SlotSet("verification_attempts", 0), SlotSet("verification_paused", False),
            SlotSet("account_number", None), SlotSet("claimed_customer_id", None),
            SlotSet("pending_request", None), *hand_off("failed_verification")]


class ActionConfirmVerified(Action):
    def name(self) -> str:
        return "action_confirm_verified"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_verified_nothing_pending",
                                 customer_name=tracker.get_slot("customer_name") or "")
        return []


class ActionVerificationFailed(Action):
    """Identity could not be confirmed, or checks are paused after too many failures across
    conversations: say which and pass the customer to a person."""

    def name(self) -> str:
        return "action_verification_failed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return give_up(dispatcher, paused=bool(tracker.get_slot("verification_paused")))
