"""Everyone can sign in, end to end: a web chat visitor through the page's sign-in step
(a real socket.io client, the code read from the Twilio stand-in) then asks her balance in
the chat; Aisha, a prepaid demo customer with no bill, signs in over SMS with the code
texted to her number and hears her credit. Figures are checked against the stack's rows."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
import requests
from sqlalchemy import select

from actions.formatting import money
from careline.channels.conversation_key import customer_sender_id
from careline.profile import models
from tests.e2e.stack import CarelineStack
from tests.e2e.test_money_dates_keywords import rows, say, texted_code, unpaid_bills
from tests.e2e.test_webchat import WebClient

pytestmark = pytest.mark.slow

TOM_SMS, TOM_ACCOUNT, TOM_WEB = "+447700900102", "CL10000102", "tom.becker"
AISHA_SMS, AISHA_ACCOUNT = "+447700900103", "CL10000103"


def sign_in_url(stack: CarelineStack, step: str) -> str:
    return f"{stack.rasa_url}/webhooks/webchat/sign-in/{step}"


async def post(stack: CarelineStack, step: str, body: dict) -> requests.Response:
    return await asyncio.to_thread(requests.post, sign_in_url(stack, step), json=body,
                                   timeout=30)


def test_a_web_visitor_signs_in_on_the_page_and_gets_her_own_balance(
        careline_stack: CarelineStack):
    phone = careline_stack.phone("sms", TOM_SMS)  # to read what the stand-in "sent" him

    async def visit() -> tuple[dict, str]:
        client = WebClient()
        await client.connect(careline_stack)
        anonymous = await client.session()
        known = {m["sid"] for m in await phone.received()}
        started = await post(careline_stack, "start",
                             {"session_token": anonymous["session_token"], "who": TOM_WEB})
        assert started.status_code == 200 and "texted a 6-digit code" in started.json()["message"]
        checked = await post(careline_stack, "check", {
            "session_token": anonymous["session_token"],
            "challenge": started.json()["challenge"],
            "answer": await texted_code(phone, known)})
        assert checked.status_code == 200, checked.text
        await client.sio.emit("sign_in", {"grant": checked.json()["grant"]})
        await client.wait_for("signed_in")
        bound = client.of("session_confirm")[-1]
        await client.sio.emit("user_uttered", {"message": "what's my balance"})
        [reply] = await client.wait_for("bot_uttered")
        await client.sio.disconnect()
        return bound, reply["text"]

    bound, reply = asyncio.run(visit())
    assert bound["anonymous"] is False
    assert bound["session_id"] == customer_sender_id(tom_id(careline_stack))
    owed = sum(amount for _, amount in unpaid_bills(careline_stack, TOM_ACCOUNT))
    if owed:
        assert f"You owe {money(owed)}" in reply, reply
    else:  # all paid: his own latest payment, from his rows
        payment, account = models.Payment, models.BillingAccount
        [(last,)] = rows(careline_stack, select(payment.amount)
                         .join(account, account.id == payment.account_id)
                         .where(account.customer_id == tom_id(careline_stack))
                         .order_by(payment.paid_on.desc(), payment.id.desc()).limit(1))
        assert "all paid up" in reply and money(last) in reply, reply


def test_a_prepaid_customer_signs_in_over_sms_by_code_and_hears_her_credit(
        careline_stack: CarelineStack):
    phone = careline_stack.phone("sms", AISHA_SMS)

    async def conversation() -> tuple[str, str]:
        known = {m["sid"] for m in await phone.received()}
        asked = await say(phone, "what's my balance")
        return asked, await say(phone, await texted_code(phone, known))

    asked, answered = asyncio.run(conversation())
    assert "account number" not in asked and "bill" not in asked, asked
    assert "ending 03" in asked and "PIN" in asked, asked
    [(credit,)] = rows(careline_stack, select(models.BillingAccount.prepaid_credit)
                       .join(models.Customer,
                             models.Customer.id == models.BillingAccount.customer_id)
                       .where(models.Customer.account_number == AISHA_ACCOUNT))
    assert f"{money(Decimal(credit))} credit left" in answered, answered


def tom_id(stack: CarelineStack) -> int:
    [(customer_id,)] = rows(stack, select(models.Customer.id)
                            .where(models.Customer.account_number == TOM_ACCOUNT))
    return customer_id
