"""The web chat page's sign-in step on a seeded database with the Twilio stand-in: the code
texted to the number on file (or the PIN) earns a grant that binds one socket of the
browser session that earned it, once; strangers and real accounts read alike."""

import re

import jwt
import pytest

from careline.channels.webchat_tokens import issue_anonymous, issue_token, verify_token
from careline.identity.service import codes_sent
from careline.webchat.sign_in import MAX_TRIES, SignInRefused, WebSignIn
from tests.actions.conftest import careline_db, demo, with_standin  # noqa: F401 - fixtures

GARETH_PHONE, AISHA_PIN = "+447700900104", "8642"


def session() -> tuple[str, str]:
    """A browser session: its subject and the anonymous token its socket connected with."""
    identity, token = issue_anonymous()
    return identity.subject, token


async def texted_code(standin, phone: str) -> str:
    await codes_sent()
    return re.search(r"\b(\d{6})\b", standin.texts_to(phone)[-1]).group(1)


async def test_the_texted_code_earns_a_grant_that_binds_that_session_once(with_standin, demo):
    steps = WebSignIn()
    subject, token = session()
    challenge = await steps.start(session_token=token, who="gareth.jones")
    code = await texted_code(with_standin, GARETH_PHONE)
    checked = await steps.check(session_token=token, challenge=challenge, answer=code)
    assert checked.grant is not None
    other_subject, _ = session()
    assert await steps.redeem(subject=other_subject, grant=checked.grant) is None
    assert await steps.redeem(subject=subject, grant=checked.grant) == demo["Gareth"]
    assert await steps.redeem(subject=subject, grant=checked.grant) is None  # replayed
    assert verify_token(checked.grant) is None  # a grant is no connection token either


async def test_a_prepaid_customer_signs_in_with_her_mobile_number_and_pin(with_standin, demo):
    steps = WebSignIn()
    subject, token = session()
    challenge = await steps.start(session_token=token, who="07700 900103")
    checked = await steps.check(session_token=token, challenge=challenge, answer=AISHA_PIN)
    assert await steps.redeem(subject=subject, grant=checked.grant) == demo["Aisha"]
    await codes_sent()  # the code she did not need has gone too


async def test_a_stranger_and_a_real_account_run_out_of_tries_alike(with_standin, demo):
    steps = WebSignIn()
    seen = []
    for who in ("CL99999999", "CL10000104"):
        _, token = session()
        challenge = await steps.start(session_token=token, who=who)
        code = "000000" if who == "CL99999999" else await texted_code(with_standin, GARETH_PHONE)
        wrong = "111111" if code != "111111" else "222222"
        tries = [await steps.check(session_token=token, challenge=challenge, answer=wrong)
                 for _ in range(MAX_TRIES + 1)]
        seen.append([(t.grant, t.tries_left) for t in tries])
        if who == "CL10000104":  # the right code after the tries ran out: still nothing
            late = await steps.check(session_token=token, challenge=challenge, answer=code)
            assert late.grant is None
    assert seen[0] == seen[1] == [(None, 2), (None, 1), (None, 0), (None, 0)]


async def test_only_an_anonymous_session_holding_its_own_challenge_may_try(with_standin, demo):
    steps = WebSignIn()
    _, token = session()
    challenge = await steps.start(session_token=token, who="gareth.jones")
    _, other = session()
    customer_token = issue_token(subject="x", customer_id=demo["Gareth"])
    forged = jwt.encode({"sub": "x", "exp": 9999999999, "anonymous": True}, "not-our-secret-" * 3,
                        algorithm="HS256")
    for bad in (customer_token, forged, "", None):
        with pytest.raises(SignInRefused) as refused:
            await steps.start(session_token=bad, who="gareth.jones")
        assert refused.value.status == 401
    with pytest.raises(SignInRefused) as refused:  # another session's challenge
        await steps.check(session_token=other, challenge=challenge, answer="123456")
    assert refused.value.status == 400
    subject, _ = session()
    assert await steps.redeem(subject=subject, grant=challenge) is None  # not a grant
    await codes_sent()


async def test_asking_again_and_again_is_cut_off(with_standin, demo):
    steps = WebSignIn()
    _, token = session()
    for _ in range(5):
        await steps.start(session_token=token, who="CL99999999")
    with pytest.raises(SignInRefused) as refused:
        await steps.start(session_token=token, who="CL99999999")
    assert refused.value.status == 429
