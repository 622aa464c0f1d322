"""IdentityService's lockout policy on a seeded database: failed PIN and code checks add up
per customer whatever conversation they came from, a pass clears them, a lock ends with its
window (a moved clock), and while locked nothing is sent or compared."""

import logging
from datetime import datetime, timedelta, timezone
from typing import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from careline.identity.lockout import FailedCheckLockout
from careline.identity.models import OneTimeCode
from careline.identity.otp import OneTimeCodeService
from careline.identity.schemas import CodeOutcome
from careline.identity.service import SECOND_FACTOR, SIGN_IN, IdentityService
from careline.identity.turn_results import TurnResults
from careline.profile.service import ProfileService
from tests.conftest import SEEDED_AT, TestDatabase

WINDOW = timedelta(minutes=30)
GARETH_ACCOUNT, GARETH_PIN = "CL10000104", "9753"
PHONE = "+447700900104"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


class World:
    """The service and what a test needs beside it: the clock, the sessions, Gareth's id."""

    def __init__(self, sessions: sessionmaker) -> None:
        self.clock = Clock()
        self.sessions = sessions
        profiles = ProfileService(sessions=sessions, clock=lambda: SEEDED_AT)
        self.codes = OneTimeCodeService(sessions=sessions, clock=self.clock)
        self.service = IdentityService(
            profiles=profiles, codes=self.codes,
            lockout=FailedCheckLockout(sessions=sessions, clock=self.clock, max_failures=5,
                                       window=WINDOW),
            results=TurnResults(sessions=sessions, clock=self.clock))
        ref = profiles.find_customer_by_account(account_number=GARETH_ACCOUNT)
        assert ref is not None
        self.gareth = ref.customer_id

    def codes_issued(self, customer_id: int) -> int:
        with self.sessions() as session:
            return session.execute(select(func.count()).select_from(OneTimeCode).where(
                OneTimeCode.customer_id == customer_id)).scalar_one()


@pytest.fixture()
def world(seeded_db: TestDatabase) -> Iterator[World]:
    with seeded_db.sessions() as sessions:
        yield World(sessions)


def other(code: str) -> str:
    return "000000" if code != "000000" else "111111"


async def test_wrong_pins_from_two_conversations_add_up_to_a_lockout(world, caplog):
    service = world.service
    first_chat = [await service.check_pin(customer_id=world.gareth, pin="1111")
                  for _ in range(3)]
    second_chat = [await service.check_pin(customer_id=world.gareth, pin="2222")
                   for _ in range(2)]
    assert [check.lockout for check in first_chat + second_chat[:1]] == [None] * 4
    locked = second_chat[-1].lockout
    assert locked is not None and locked.purpose == SECOND_FACTOR
    assert locked.until == world.clock.now + WINDOW
    with caplog.at_level(logging.WARNING, logger="careline.identity.service"):
        right = await service.check_pin(customer_id=world.gareth, pin=GARETH_PIN)
    assert not right.accepted and right.lockout == locked  # not even compared
    assert "CL••••••04" in caplog.text and GARETH_ACCOUNT not in caplog.text
    assert GARETH_PIN not in caplog.text and "2222" not in caplog.text
    sign_in = await service.lockout(customer_id=world.gareth, purpose=SIGN_IN)
    assert sign_in is None  # a lock is for one purpose


async def test_a_right_pin_clears_the_count(world):
    service = world.service
    for _ in range(4):
        await service.check_pin(customer_id=world.gareth, pin="1111")
    assert (await service.check_pin(customer_id=world.gareth, pin=GARETH_PIN)).accepted
    again = [await service.check_pin(customer_id=world.gareth, pin="1111") for _ in range(4)]
    assert [check.lockout for check in again] == [None] * 4


async def test_the_lock_ends_when_its_window_has_passed(world):
    service = world.service
    for _ in range(5):
        last = await service.check_pin(customer_id=world.gareth, pin="1111")
    world.clock.now = last.lockout.until - timedelta(seconds=1)
    assert not (await service.check_pin(customer_id=world.gareth, pin=GARETH_PIN)).accepted
    world.clock.now = last.lockout.until
    assert (await service.check_pin(customer_id=world.gareth, pin=GARETH_PIN)).accepted


async def test_wrong_sign_in_codes_across_codes_lock_and_then_no_code_is_issued(world):
    service, codes = world.service, world.codes
    first = codes.issue(customer_id=world.gareth, purpose=SIGN_IN, sent_to=PHONE)
    outcomes = [(await service.check_code(customer_id=world.gareth, purpose=SIGN_IN,
                                          code=other(first.code))).outcome for _ in range(3)]
    assert outcomes == [CodeOutcome.WRONG, CodeOutcome.WRONG, CodeOutcome.LOCKED]
    # a new conversation
    second = codes.issue(customer_id=world.gareth, purpose=SIGN_IN, sent_to=PHONE)
    fourth = await service.check_code(customer_id=world.gareth, purpose=SIGN_IN,
                                      code=other(second.code))
    fifth = await service.check_code(customer_id=world.gareth, purpose=SIGN_IN,
                                     code=other(second.code))
    assert fourth.outcome is CodeOutcome.WRONG
    assert fifth.outcome is CodeOutcome.LOCKED_OUT and fifth.lockout.purpose == SIGN_IN
    right = await service.check_code(customer_id=world.gareth, purpose=SIGN_IN,
                                     code=second.code)
    assert right.outcome is CodeOutcome.LOCKED_OUT  # the open code is not even compared
    issued = world.codes_issued(world.gareth)
    delivery = await service.send_code(customer_id=world.gareth, purpose=SIGN_IN)
    assert (delivery.sent, delivery.lockout) == (False, fifth.lockout)
    assert world.codes_issued(world.gareth) == issued
    assert await service.lockout(customer_id=world.gareth, purpose=SECOND_FACTOR) is None


async def test_a_right_code_clears_the_count_and_no_code_or_expiry_is_no_guess(world):
    service, codes = world.service, world.codes
    for _ in range(6):
        check = await service.check_code(customer_id=world.gareth, purpose=SIGN_IN, code="123456")
        assert check.outcome is CodeOutcome.NO_CODE
    issued = codes.issue(customer_id=world.gareth, purpose=SIGN_IN, sent_to=PHONE)
    world.clock.now += timedelta(minutes=11)
    expired = await service.check_code(customer_id=world.gareth, purpose=SIGN_IN,
                                       code=issued.code)
    assert expired.outcome is CodeOutcome.EXPIRED
    issued = codes.issue(customer_id=world.gareth, purpose=SIGN_IN, sent_to=PHONE)
    for _ in range(2):
        await service.check_code(customer_id=world.gareth, purpose=SIGN_IN,
                                 code=other(issued.code))
    assert (await service.check_code(customer_id=world.gareth, purpose=SIGN_IN,
                                     code=issued.code)).accepted
    issued = codes.issue(customer_id=world.gareth, purpose=SIGN_IN, sent_to=PHONE)
    wrong = [await service.check_code(customer_id=world.gareth, purpose=SIGN_IN,
                                      code=other(issued.code)) for _ in range(3)]
    assert CodeOutcome.LOCKED_OUT not in [check.outcome for check in wrong]


async def test_a_retried_turn_gets_its_first_check_back_and_counts_no_second_guess(world):
    """The first run of a turn used the code up; its retry must still hear "accepted"."""
    service, codes = world.service, world.codes
    issued = codes.issue(customer_id=world.gareth, purpose=SIGN_IN, sent_to=PHONE)
    wrong = [await service.check_code(customer_id=world.gareth, purpose=SIGN_IN,
                                      code=other(issued.code), turn_key="turn-1")
             for _ in range(3)]
    assert wrong == [wrong[0]] * 3 and wrong[0].outcome is CodeOutcome.WRONG
    right = [await service.check_code(customer_id=world.gareth, purpose=SIGN_IN,
                                      code=issued.code, turn_key="turn-2") for _ in range(2)]
    assert [check.outcome for check in right] == [CodeOutcome.ACCEPTED] * 2
    unkeyed = await service.check_code(customer_id=world.gareth, purpose=SIGN_IN,
                                       code=issued.code)
    assert unkeyed.outcome is not CodeOutcome.ACCEPTED  # the code itself is used up
    pins = [await service.check_sign_in(customer_id=world.gareth, answer="1111",
                                        turn_key="turn-3") for _ in range(5)]
    assert pins == [pins[0]] * 5  # five runs of one turn: one wrong PIN, no lock
    assert await service.lockout(customer_id=world.gareth, purpose=SECOND_FACTOR) is None
