"""Everyone can sign in: a customer the channel names (Aisha, prepaid, no bill and so no
account number to give) is texted a code at once and may answer with it or her PIN; a
pay-as-you-go web visitor gives her mobile number instead of an account number."""

import re

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.identity import (ActionAskOtpCode, ValidateVerificationForm, mobile_number,
                              pin_offered, wrong_answer_response)
from careline.identity.channel_trust import Proof
from careline.identity.service import codes_sent
from tests.actions.conftest import Conversation, project_domain, run

AISHA_PHONE = "+447700900103"
AISHA_PIN = "8642"


def named_over_sms(named: int, **slots: object) -> dict[str, object]:
    return {"channel": "sms", "verified": False, "channel_customer_id": named, **slots}


def slots_of(events: list) -> dict[str, object]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_a_prepaid_customer_over_sms_is_texted_a_code_and_never_asked_for_an_account(
        with_standin, demo):
    dispatcher = CollectingDispatcher()
    events = await ValidateVerificationForm().run(dispatcher, Conversation(
        intent="ask_balance", text="how much credit have i got",
        slots=named_over_sms(demo["Aisha"])).tracker(), project_domain())
    started = slots_of(events)
    assert started["claimed_customer_id"] == demo["Aisha"]
    assert started["account_number"] == "CL10000103" and started["pending_request"] == "ask_balance"
    assert [m["response"] for m in dispatcher.messages] == ["utter_sign_in_code_texted"]
    assert dispatcher.messages[0]["masked_number"] == "03"
    code = re.search(r"\b(\d{6})\b", with_standin.texts_to(AISHA_PHONE)[-1]).group(1)
    asked = await run(ActionAskOtpCode(), Conversation(slots=named_over_sms(
        demo["Aisha"], **started)))
    assert asked.responses == ["utter_ask_otp_code_or_pin"]  # she has a PIN: either will do
    checked = await ValidateVerificationForm().validate_otp_code(
        code, dispatcher, Conversation(slots=named_over_sms(demo["Aisha"], **started)).tracker(),
        {})
    assert checked["verified"] is True and checked["customer_id"] == demo["Aisha"]
    assert checked["verified_by"] == "one_time_code" and checked["verified_channel"] == "sms"


async def test_she_may_sign_in_with_her_pin_and_a_wrong_one_costs_one_try(demo):
    form = ValidateVerificationForm()
    dispatcher = CollectingDispatcher()
    claimed = named_over_sms(demo["Aisha"], claimed_customer_id=demo["Aisha"],
                             account_number="CL10000103")
    wrong = await form.validate_otp_code("1111", dispatcher,
                                         Conversation(slots=claimed).tracker(), {})
    assert wrong == {"otp_code": None, "verification_attempts": 1}
    assert dispatcher.messages[-1]["response"] == "utter_wrong_pin"  # she was offered the PIN
    right = await form.validate_otp_code(AISHA_PIN, dispatcher, Conversation(
        slots={**claimed, **wrong}).tracker(), {})
    assert right["verified"] is True and right["verified_by"] == "pin"
    assert right["second_factor_by"] == "pin" and right["otp_code"] != AISHA_PIN


async def test_a_wrong_six_digit_answer_is_still_a_wrong_code(demo):
    dispatcher = CollectingDispatcher()
    claimed = named_over_sms(demo["Aisha"], claimed_customer_id=demo["Aisha"],
                             account_number="CL10000103")
    await ValidateVerificationForm().validate_otp_code(
        "000000", dispatcher, Conversation(slots=claimed).tracker(), {})
    assert dispatcher.messages[-1]["response"] == "utter_wrong_code"


async def test_a_stranger_never_offered_the_pin_is_not_told_of_one(demo):
    """A web visitor who claimed Aisha's account and types four wrong digits: they are
    checked as her PIN, but "That PIN doesn't match" would say the account has one."""
    dispatcher = CollectingDispatcher()
    visitor = {"channel": "webchat", "verified": False, "claimed_customer_id": demo["Aisha"],
               "account_number": "CL10000103"}
    wrong = await ValidateVerificationForm().validate_otp_code(
        "1111", dispatcher, Conversation(slots=visitor).tracker(), {})
    assert wrong == {"otp_code": None, "verification_attempts": 1}
    assert dispatcher.messages[-1]["response"] == "utter_wrong_code"


@pytest.mark.parametrize("how, offered, response", [
    (Proof.PIN, True, "utter_wrong_pin"), (Proof.PIN, False, "utter_wrong_code"),
    (Proof.ONE_TIME_CODE, True, "utter_wrong_code"),
    (Proof.ONE_TIME_CODE, False, "utter_wrong_code"),
])
def test_the_pin_is_named_only_where_it_was_offered(how, offered, response):
    assert wrong_answer_response(how, pin_offered=offered) == response


def test_the_pin_is_offered_only_to_the_customer_the_channel_names():
    assert pin_offered(Conversation(slots=named_over_sms(7, claimed_customer_id=7)).tracker())
    assert not pin_offered(Conversation(slots=named_over_sms(7, claimed_customer_id=8)).tracker())
    assert not pin_offered(Conversation(slots={"claimed_customer_id": 7}).tracker())
    assert not pin_offered(Conversation(slots=named_over_sms(7)).tracker())


async def test_a_verified_or_already_texted_customer_gets_no_second_code(with_standin, demo):
    for slots in (named_over_sms(demo["Aisha"], verified=True, customer_id=demo["Aisha"]),
                  named_over_sms(demo["Aisha"], claimed_customer_id=demo["Aisha"],
                                 account_number="CL10000103")):
        dispatcher = CollectingDispatcher()
        await ValidateVerificationForm().run(dispatcher, Conversation(
            intent="ask_balance", slots=slots).tracker(), project_domain())
        assert "utter_sign_in_code_texted" not in [m["response"] for m in dispatcher.messages]
    assert with_standin.texts_to(AISHA_PHONE) == []


async def test_a_pay_as_you_go_web_visitor_gives_her_mobile_number(with_standin, demo):
    dispatcher = CollectingDispatcher()
    given = await ValidateVerificationForm().validate_account_number(
        "it's 07700 900103", dispatcher,
        Conversation(slots={"channel": "webchat", "verified": False}).tracker(), {})
    assert given["claimed_customer_id"] == demo["Aisha"]
    assert dispatcher.messages[-1]["response"] == "utter_code_sent"
    await codes_sent()
    assert with_standin.texts_to(AISHA_PHONE)  # to the number on file, as for an account
    asked = await run(ActionAskOtpCode(), Conversation(slots={"channel": "webchat", **given}))
    assert asked.responses == ["utter_ask_otp_code"]  # a stranger learns nothing of a PIN


async def test_an_unknown_mobile_number_is_answered_like_a_known_one(with_standin, demo):
    dispatcher = CollectingDispatcher()
    given = await ValidateVerificationForm().validate_account_number(
        "+447700900999", dispatcher, Conversation(slots={"channel": "webchat"}).tracker(), {})
    assert given["claimed_customer_id"] is None
    assert dispatcher.messages[-1]["response"] == "utter_code_sent"


def test_mobile_numbers_are_read_as_customers_write_them():
    assert mobile_number("07700 900103") == "07700900103"
    assert mobile_number("my number is +44 7700900103") == "447700900103"
    assert mobile_number("CL10000103") is None and mobile_number("0770090010") is None
