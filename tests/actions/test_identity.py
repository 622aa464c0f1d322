"""Verification: web chat sign-in with a code texted through the Twilio stand-in, the PIN
as second factor, and a handoff when verification keeps failing."""

import re
from datetime import datetime, timedelta, timezone

from rasa_sdk.executor import CollectingDispatcher

from actions.arrangements import ValidateArrangementForm
from actions.identity import (ActionAskSecurityCode, ActionVerificationFailed,
                              ValidateVerificationForm, identity_service, max_attempts)
from careline.handoff.policy import HandoffPolicy
from careline.identity.service import SIGN_IN, codes_sent
from tests.actions.conftest import Conversation, project_domain, run, verified

TOM_PHONE = "+447700900102"


def code_in(texts: list[str]) -> str:
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


async def test_web_sign_in_texts_a_code_to_the_number_on_file_and_accepts_it(with_standin, demo):
    form = ValidateVerificationForm()
    dispatcher = CollectingDispatcher()
    anonymous = Conversation(slots={"channel": "webchat", "verified": False})
    given = await form.validate_account_number("cl 10000102", dispatcher,
                                               anonymous.tracker(), {})
    assert given["claimed_customer_id"] == demo["Tom"]
    assert dispatcher.messages[-1]["response"] == "utter_code_sent"
    assert "masked_number" not in dispatcher.messages[-1]  # whose number it is stays unsaid
    assert with_standin.texts_to(TOM_PHONE) == []  # answered before texting: as fast as for
    await codes_sent()  # an account that is not ours, then the code goes
    code = code_in(with_standin.texts_to(TOM_PHONE))
    claimed = Conversation(slots={"channel": "webchat", **given})
    accepted = await form.validate_otp_code(code, dispatcher, claimed.tracker(), {})
    assert accepted["verified"] is True and accepted["second_factor"] is True
    assert accepted["customer_id"] == demo["Tom"] and accepted["otp_code"] != code
    replay = await form.validate_otp_code(code, dispatcher, claimed.tracker(), {})
    assert replay.get("verified") is None  # a used code does not work twice


async def test_three_wrong_codes_end_the_sign_in(with_standin, demo):
    form = ValidateVerificationForm()
    dispatcher = CollectingDispatcher()
    given = await form.validate_account_number("CL10000102", dispatcher,
                                               Conversation().tracker(), {})
    await codes_sent()
    real = code_in(with_standin.texts_to(TOM_PHONE))
    wrong = "000000" if real != "000000" else "111111"
    slots = {"channel": "webchat", **given}
    results = [await form.validate_otp_code(wrong, dispatcher, Conversation(slots=slots).tracker(),
                                            {}) for _ in range(3)]
    assert [m["response"] for m in dispatcher.messages[-2:]] == ["utter_wrong_code"] * 2
    assert results[-1]["verification_attempts"] == 3
    ended = Conversation(slots={**slots, **results[-1]}).tracker()
    assert await form.required_slots(["account_number", "otp_code"], dispatcher, ended, {}) == []
    late = await form.validate_otp_code(real, dispatcher, Conversation(slots=slots).tracker(), {})
    assert late.get("verified") is None  # locked: even the right code is refused now


async def sign_in_with_wrong_codes(account: str, standin) -> tuple[list[dict], dict]:
    """What an anonymous asker is told for ``account`` and then three wrong codes."""
    form = ValidateVerificationForm()
    dispatcher = CollectingDispatcher()
    slots: dict = {"channel": "webchat", "verified": False}
    slots.update(await form.validate_account_number(account, dispatcher,
                                                    Conversation(slots=slots).tracker(), {}))
    await codes_sent()
    sent = standin.texts_to(TOM_PHONE)
    wrong = "111111" if sent and code_in(sent) == "000000" else "000000"
    slots["requested_slot"] = "otp_code"
    for _ in range(3):
        slots.update(await form.validate_otp_code(wrong, dispatcher,
                                                  Conversation(slots=slots).tracker(), {}))
    return dispatcher.messages, slots


async def test_an_unknown_account_is_answered_exactly_like_a_real_one(with_standin, demo):
    real, real_slots = await sign_in_with_wrong_codes("CL10000102", with_standin)
    assert real_slots["claimed_customer_id"] == demo["Tom"]
    unknown, unknown_slots = await sign_in_with_wrong_codes("CL99999999", with_standin)
    assert unknown == real
    assert [m["response"] for m in unknown] == ["utter_code_sent"] + ["utter_wrong_code"] * 2
    assert unknown_slots["verification_attempts"] == real_slots["verification_attempts"] == 3
    assert unknown_slots["claimed_customer_id"] is None
    form = ValidateVerificationForm()
    assert await form.required_slots(["account_number", "otp_code"], CollectingDispatcher(),
                                     Conversation(slots=unknown_slots).tracker(), {}) == []


async def test_words_without_an_account_number_use_no_try_and_spaced_numbers_are_found(
        careline_db):
    form = ValidateVerificationForm()
    dispatcher = CollectingDispatcher()
    slots: dict = {}
    for text in ("my internet is down", "bye", "0770 090"):
        slots.update(await form.validate_account_number(
            text, dispatcher, Conversation(slots=slots).tracker(), {}))
    assert [m["response"] for m in dispatcher.messages] == ["utter_not_an_account_number"] * 3
    assert slots == {"account_number": None}
    found = await form.validate_account_number(
        "it's cl 9999 9999", dispatcher, Conversation(slots=slots).tracker(), {})
    assert found == {"account_number": "CL99999999", "claimed_customer_id": None}
    assert dispatcher.messages[-1]["response"] == "utter_code_sent"


async def test_pin_is_the_second_factor_and_wrong_pins_run_out(demo):
    form = ValidateArrangementForm()
    dispatcher = CollectingDispatcher()
    slots = verified(demo["Gareth"], second_factor_method="pin")
    assert await form.validate_security_code("my pin is 9753", dispatcher,
                                             Conversation(slots=slots).tracker(), {}) == {
        "security_code": "verified", "second_factor": True, "second_factor_by": "pin",
        "second_factor_channel": "sms", "verification_attempts": 0}
    for tries in (1, 2, 3):
        result = await form.validate_security_code("1111", dispatcher,
                                                   Conversation(slots=slots).tracker(), {})
        slots.update(result)
        assert result["verification_attempts"] == tries and result["security_code"] is None
    assert await form.required_slots(["security_code", "arrangement_kind"], dispatcher,
                                     Conversation(slots=slots).tracker(), {}) == []


async def test_asking_for_the_second_factor_uses_the_pin_when_there_is_one(demo):
    turn = await run(ActionAskSecurityCode(), Conversation(slots=verified(demo["Gareth"])))
    assert turn.responses == ["utter_ask_pin"]
    assert turn.slots() == {"second_factor_method": "pin"}


async def test_the_handoff_policy_sets_how_many_failed_checks_end_the_attempt(
        with_standin, demo, monkeypatch):
    assert max_attempts() == 3  # careline/handoff/policy.yml
    monkeypatch.setattr("actions.identity.get_policy", lambda: HandoffPolicy.parse_obj(
        {"triggers": {"failed_verification": {"attempts": 2}}}))
    form = ValidateVerificationForm()
    dispatcher = CollectingDispatcher()
    given = await form.validate_account_number("CL10000102", dispatcher,
                                               Conversation().tracker(), {})
    await codes_sent()
    wrong = "000000" if code_in(with_standin.texts_to(TOM_PHONE)) != "000000" else "111111"
    slots = {"channel": "webchat", **given}
    first = await form.validate_otp_code(wrong, dispatcher, Conversation(slots=slots).tracker(),
                                         {})
    assert first["verification_attempts"] == 1
    assert dispatcher.messages[-1]["attempts_left"] == 1
    second = await form.validate_otp_code(wrong, dispatcher,
                                          Conversation(slots={**slots, **first}).tracker(), {})
    assert second["verification_attempts"] == 2
    ended = Conversation(slots={**slots, **second}).tracker()
    assert await form.required_slots(["account_number", "otp_code"], dispatcher, ended, {}) == []


async def test_failed_verification_hands_off_with_the_reason():
    turn = await run(ActionVerificationFailed(), Conversation(slots={"verification_attempts": 3}))
    assert turn.slots()["handoff_reason"] == "failed_verification"
    assert turn.followup() == "action_handoff_to_agent"


async def test_the_question_asked_before_sign_in_is_remembered_only_at_activation(careline_db):
    form = ValidateVerificationForm()
    dispatcher = CollectingDispatcher()
    start = await form.run(dispatcher, Conversation(intent="ask_balance").tracker(),
                           project_domain())
    assert {e["name"]: e["value"] for e in start} == {"pending_request": "ask_balance"}
    later = Conversation(intent="verify_identity", slots={"requested_slot": "account_number",
                                                          "pending_request": "ask_balance"})
    events = await form.run(dispatcher, later.tracker(), project_domain())
    assert all(e["name"] != "pending_request" for e in events)


async def test_only_the_domains_protected_requests_wait_for_sign_in(careline_db):
    """``pending_request``'s values in the domain are the one list: "verify me" starts the
    form with nothing pending, and an intent leaves the list by leaving the domain."""
    form = ValidateVerificationForm()
    asked = await form.run(CollectingDispatcher(), Conversation(
        intent="verify_identity", slots={"pending_request": "ask_roaming"}).tracker(),
        project_domain())
    assert {e["name"]: e["value"] for e in asked} == {"pending_request": None}
    slots = project_domain()["slots"]
    without_roaming = {**project_domain(), "slots": {**slots, "pending_request": {
        **slots["pending_request"],
        "values": [v for v in slots["pending_request"]["values"] if v != "ask_roaming"]}}}
    roaming = Conversation(intent="ask_roaming").tracker()
    kept = await form.run(CollectingDispatcher(), roaming, project_domain())
    dropped = await form.run(CollectingDispatcher(), roaming, without_roaming)
    assert {e["name"]: e["value"] for e in kept} == {"pending_request": "ask_roaming"}
    assert {e["name"]: e["value"] for e in dropped} == {"pending_request": None}


async def test_an_already_verified_customer_passes_the_form_at_once(careline_db):
    events = await ValidateVerificationForm().run(
        CollectingDispatcher(), Conversation(intent="ask_balance",
                                             slots=verified(3, "webchat")).tracker(),
        project_domain())
    assert {e["name"]: e["value"] for e in events}["requested_slot"] is None


async def test_a_code_read_as_an_account_number_does_not_undo_the_claimed_account(careline_db):
    dispatcher = CollectingDispatcher()
    waiting_for_code = Conversation(slots={"claimed_customer_id": 2, "account_number": "CL10000102",
                                           "requested_slot": "otp_code"})
    assert await ValidateVerificationForm().validate_account_number(
        "481543", dispatcher, waiting_for_code.tracker(), {}) == {}
    assert dispatcher.messages == []


GARETH_PIN = "9753"


async def wrong_pins(form: ValidateArrangementForm, customer_id: int, sender_id: str,
                     times: int) -> tuple[dict, CollectingDispatcher]:
    """``times`` wrong PINs in one conversation (a fresh web chat: its own sender id and slots)."""
    dispatcher = CollectingDispatcher()
    slots = verified(customer_id, "webchat", second_factor_method="pin")
    for _ in range(times):
        slots.update(await form.validate_security_code(
            "1111", dispatcher, Conversation(slots=slots, sender_id=sender_id).tracker(), {}))
    return slots, dispatcher


async def test_wrong_pins_in_two_conversations_add_up_to_a_pause_and_a_person(demo):
    form = ValidateArrangementForm()
    first, _ = await wrong_pins(form, demo["Gareth"], "web-chat-1", 3)
    assert (first["verification_attempts"], first.get("verification_paused")) == (3, None)
    second, dispatcher = await wrong_pins(form, demo["Gareth"], "web-chat-2", 2)
    assert [m["response"] for m in dispatcher.messages] == ["utter_wrong_pin"]
    assert second["verification_attempts"] == 3 and second["verification_paused"] is True
    assert await form.required_slots(["security_code", "arrangement_kind"], dispatcher,
                                     Conversation(slots=second).tracker(), {}) == []

    third = Conversation(slots=verified(demo["Gareth"], "webchat"), sender_id="web-chat-3")
    asked = await run(ActionAskSecurityCode(), third)
    assert asked.responses == ["utter_verification_paused"]  # not even asked for the PIN
    assert asked.slots()["requested_slot"] is None  # the form ends as it starts
    assert asked.slots()["handoff_reason"] == "failed_verification"
    assert asked.followup() == "action_handoff_to_agent"
    right = await form.validate_security_code(
        GARETH_PIN, CollectingDispatcher(),
        Conversation(slots=verified(demo["Gareth"], "webchat", second_factor_method="pin"),
                     sender_id="web-chat-4").tracker(), {})
    assert right.get("second_factor") is None and right["verification_paused"] is True

    failed = await run(ActionVerificationFailed(), Conversation(slots={**second}))
    assert failed.responses == ["utter_verification_paused"]
    assert failed.slots()["verification_paused"] is False
    assert failed.slots()["handoff_reason"] == "failed_verification"
    assert failed.followup() == "action_handoff_to_agent"


async def test_a_right_pin_clears_the_failures_counted_across_conversations(demo):
    form = ValidateArrangementForm()
    await wrong_pins(form, demo["Gareth"], "web-chat-1", 3)
    await wrong_pins(form, demo["Gareth"], "web-chat-2", 1)
    slots = verified(demo["Gareth"], "webchat", second_factor_method="pin")
    passed = await form.validate_security_code(
        GARETH_PIN, CollectingDispatcher(),
        Conversation(slots=slots, sender_id="web-chat-2").tracker(), {})
    assert passed["second_factor"] is True
    later, _ = await wrong_pins(form, demo["Gareth"], "web-chat-3", 3)
    assert later.get("verification_paused") is None


async def test_a_locked_out_customer_gets_no_sign_in_code_texted(with_standin, demo):
    form = ValidateVerificationForm()
    for sender_id, wrong_tries in (("web-chat-1", 3), ("web-chat-2", 2)):
        dispatcher = CollectingDispatcher()
        slots = {"channel": "webchat", "verified": False}
        slots.update(await form.validate_account_number(
            "CL10000102", dispatcher, Conversation(slots=slots, sender_id=sender_id).tracker(),
            {}))
        await codes_sent()
        wrong = "000000" if code_in(with_standin.texts_to(TOM_PHONE)) != "000000" else "111111"
        for _ in range(wrong_tries):
            slots.update(await form.validate_otp_code(
                wrong, dispatcher, Conversation(slots=slots, sender_id=sender_id).tracker(), {}))
    # the fifth failure locks the sign-in, and the asker is told just what a stranger trying
    # codes for an account that is not ours would be: "Tries left: 1", no pause, no early end
    assert [(m["response"], m.get("attempts_left")) for m in dispatcher.messages] == [
        ("utter_code_sent", None), ("utter_wrong_code", 2), ("utter_wrong_code", 1)]
    assert slots["verification_attempts"] == 2
    assert slots.get("verification_paused") is None  # sign-in never says an account is real
    assert await identity_service().lockout(customer_id=demo["Tom"], purpose=SIGN_IN)
    texted = len(with_standin.texts_to(TOM_PHONE))
    assert texted == 2

    dispatcher = CollectingDispatcher()
    anonymous = Conversation(slots={"channel": "webchat", "verified": False},
                             sender_id="web-chat-3")
    given = await form.validate_account_number("CL10000102", dispatcher, anonymous.tracker(), {})
    assert given["claimed_customer_id"] == demo["Tom"]  # the slots are not shown to the asker
    assert [m["response"] for m in dispatcher.messages] == ["utter_code_sent"]  # as for anyone
    await codes_sent()
    assert len(with_standin.texts_to(TOM_PHONE)) == texted  # no code was sent
    guess = await form.validate_otp_code("000000", dispatcher, Conversation(
        slots={**given, "requested_slot": "otp_code"}, sender_id="web-chat-3").tracker(), {})
    assert guess == {"otp_code": None, "verification_attempts": 1}
    assert dispatcher.messages[-1]["attempts_left"] == 2  # a wrong guess, as for anyone


async def test_a_lockout_older_than_the_window_no_longer_pauses_sign_in(with_standin, demo):
    from careline.db.session import session_scope
    from careline.identity import repository

    now = datetime.now(timezone.utc)
    with session_scope() as session:
        for minutes in (31, 32, 33, 34, 35):  # a lockout that began over half an hour ago
            repository.add_failed_check(session=session, customer_id=demo["Tom"],
                                        purpose=SIGN_IN, at=now - timedelta(minutes=minutes))
    form = ValidateVerificationForm()
    given = await form.validate_account_number(
        "CL10000102", CollectingDispatcher(), Conversation().tracker(), {})
    assert given["claimed_customer_id"] == demo["Tom"]
    await codes_sent()
    assert len(with_standin.texts_to(TOM_PHONE)) == 1
    with session_scope() as session:
        for minutes in (1, 2, 3, 4, 5):  # five more within the window: paused again
            repository.add_failed_check(session=session, customer_id=demo["Tom"],
                                        purpose=SIGN_IN, at=now - timedelta(minutes=minutes))
    paused = await form.validate_account_number(
        "CL10000102", CollectingDispatcher(), Conversation().tracker(), {})
    assert paused["claimed_customer_id"] == demo["Tom"]  # answered as for anyone
    await codes_sent()
    assert len(with_standin.texts_to(TOM_PHONE)) == 1  # paused: no code
