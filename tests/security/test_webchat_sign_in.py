"""Attacks on the web chat page's sign-in step and on binding a socket to a customer,
against the real stack over HTTP and socket.io."""

from __future__ import annotations

import asyncio
import time

import jwt
import pytest
import requests
import socketio

from careline.channels.webchat_tokens import issue_token, webchat_secret
from tests.e2e.stack import CarelineStack
from tests.e2e.test_money_dates_keywords import texted_code
from tests.e2e.test_webchat import WebClient
from tests.e2e.customers import random_mobile
from tests.security.test_secrets_and_abuse import add_account, unused_account

pytestmark = pytest.mark.slow


def step(stack: CarelineStack, name: str, body: dict) -> requests.Response:
    return requests.post(f"{stack.rasa_url}/webhooks/webchat/sign-in/{name}", json=body,
                         timeout=30)


async def anonymous(stack: CarelineStack) -> tuple[WebClient, dict]:
    client = WebClient()
    await client.connect(stack)
    return client, await client.session()


async def refused_bind(client: WebClient, grant: object) -> bool:
    """Whether the socket was refused, and is still anonymous, after presenting ``grant``."""
    before = len(client.of("sign_in_refused"))
    await client.sio.emit("sign_in", {"grant": grant})
    await client.wait_for("sign_in_refused", count=before + 1)
    return client.of("signed_in") == []


def earn_grant(stack: CarelineStack, session_token: str, who: str, phone_number: str) -> str:
    """Sign in properly on the page for ``session_token``: the grant it earns."""
    phone = stack.phone("sms", phone_number)

    async def code() -> str:
        known = {m["sid"] for m in await phone.received()}
        started = step(stack, "start", {"session_token": session_token, "who": who})
        assert started.status_code == 200
        challenge = started.json()["challenge"]
        checked = step(stack, "check", {"session_token": session_token, "challenge": challenge,
                                        "answer": await texted_code(phone, known)})
        assert checked.status_code == 200, checked.text
        return checked.json()["grant"]

    return asyncio.run(code())


def test_a_forged_bind_is_refused(careline_stack: CarelineStack):
    """Attack: bind a socket to a customer without proving a code or PIN: a grant signed
    with another key, a grant-shaped token of the right key for no stored secret, an
    operator-style customer token, a sign-in challenge, and a grant used as the connection
    token itself."""
    customer, account = add_account(careline_stack, msisdn=random_mobile())
    secret = webchat_secret(careline_stack.settings)

    async def attack() -> None:
        client, session = await anonymous(careline_stack)
        subject = session["session_id"].removeprefix("web-anon-")
        claims = {"sub": subject, "typ": "web-bind", "bind_customer": customer.customer_id,
                  "secret": "1" * 30, "iss": "careline", "exp": int(time.time()) + 60}
        started = step(careline_stack, "start", {"session_token": session["session_token"],
                                                 "who": account})
        for grant in (jwt.encode(claims, "x" * 40, algorithm="HS256"),
                      jwt.encode(claims, secret, algorithm="HS256"),
                      issue_token(subject=subject, customer_id=customer.customer_id,
                                  secret=secret),
                      started.json()["challenge"], None, 12):
            assert await refused_bind(client, grant)
        await client.sio.emit("user_uttered", {"message": "what's my balance"})
        [reply] = await client.wait_for("bot_uttered")
        assert "owe" not in reply["text"]
        await client.sio.disconnect()
        with pytest.raises(socketio.exceptions.ConnectionError):
            await WebClient().connect(careline_stack, token=jwt.encode(
                claims, secret, algorithm="HS256"))

    asyncio.run(attack())


def test_a_grant_binds_only_the_session_that_earned_it_and_only_once(
        careline_stack: CarelineStack):
    """Attack: use a grant earned in one browser session on another session's socket (as if
    naming another socket), then replay a used grant on a second socket of the same session."""
    customer, account = add_account(careline_stack, msisdn=random_mobile())

    async def earning_session() -> dict:
        client, session = await anonymous(careline_stack)
        await client.sio.disconnect()
        return session

    their_session = asyncio.run(earning_session())
    grant = earn_grant(careline_stack, their_session["session_token"], account, customer.msisdn)

    async def attack() -> None:
        other = WebClient()  # a fresh socket, another browser session
        await other.connect(careline_stack)
        await other.session()
        assert await refused_bind(other, grant)
        owner = WebClient()  # the session that earned it: binds once
        await owner.connect(careline_stack, their_session["session_token"])
        await owner.sio.emit("sign_in", {"grant": grant})
        await owner.wait_for("signed_in")
        again = WebClient()  # the same session's second tab replays the used grant
        await again.connect(careline_stack, their_session["session_token"])
        assert await refused_bind(again, grant)
        for client in (other, owner, again):
            await client.sio.disconnect()

    asyncio.run(attack())


def test_the_sign_in_step_tells_no_one_which_accounts_exist(careline_stack: CarelineStack):
    """Attack: probe the page's sign-in endpoints with a real and an unknown account: the
    same answers, tries and status codes, and a session token that is not an anonymous
    chat session's is refused before anything is looked up."""
    customer, account = add_account(careline_stack, msisdn=random_mobile())

    async def sessions() -> list[dict]:
        found = []
        for _ in range(2):
            client, session = await anonymous(careline_stack)
            found.append(session)
            await client.sio.disconnect()
        return found

    answers = []
    for session, who in zip(asyncio.run(sessions()), (account, unused_account(careline_stack))):
        started = step(careline_stack, "start", {"session_token": session["session_token"],
                                                 "who": who})
        tries = [step(careline_stack, "check", {
            "session_token": session["session_token"],
            "challenge": started.json()["challenge"], "answer": "000000"}) for _ in range(4)]
        answers.append((started.status_code, started.json()["message"],
                        [(t.status_code, t.json()) for t in tries]))
    assert answers[0] == answers[1]
    assert [t[1]["tries_left"] for t in answers[0][2]] == [2, 1, 0, 0]
    customer_token = issue_token(subject="someone", customer_id=customer.customer_id,
                                 secret=webchat_secret(careline_stack.settings))
    for token in (customer_token, "not-a-token", None):
        assert step(careline_stack, "start", {"session_token": token,
                                              "who": account}).status_code == 401
