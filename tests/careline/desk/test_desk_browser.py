"""Both sides in headless Chromium: a customer on the web chat, an agent on the desk.

The customer asks for a person; the agent signs in, sees the profile and the
transcript, gets a new customer message live, replies (the customer sees it),
and resolves; the customer skips the satisfaction question and the bot answers
their next message.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from careline.channels.conversation_key import customer_sender_id
from careline.channels.webchat_tokens import issue_token, webchat_secret
from careline.db.session import get_engine
from careline.desk.service import DeskService
from careline.profile.service import ProfileService
from careline.runtime.local_secrets import local_secret
from tests.browser import browser  # noqa: F401  (the module's Chromium)
from tests.e2e.stack import CarelineStack, careline_stack  # noqa: F401  (shared stack)

pytestmark = pytest.mark.slow

SCREENSHOT = "/tmp/desk.png"
PACKAGE_COPY = "/tmp/handoff_context_package.json"  # a real package, kept for the docs


def _customer_page(browser: Browser, stack: CarelineStack) -> Page:
    """Priya Shah (a demo VIP) signed in on the operator's site, on the web chat page."""
    profiles = ProfileService(get_engine(stack.database_url), settings=stack.settings)
    priya = profiles.find_customer_by_account(account_number="CL10000101")
    token = issue_token(subject="priya.shah", customer_id=priya.customer_id,
                        secret=webchat_secret(stack.settings))
    page = browser.new_context().new_page()
    page.goto(f"{stack.rasa_url}/webhooks/webchat/chat?token={token}")
    expect(page.locator("#status")).to_have_text("Connected", timeout=30_000)
    return page


def _say(page: Page, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")
    expect(page.locator(".msg--user").last).to_have_text(text)


def test_customer_reaches_an_agent_who_replies_and_hands_back(browser: Browser,
                                                              careline_stack: CarelineStack):
    stack = careline_stack
    customer = _customer_page(browser, stack)
    _say(customer, "hello")
    expect(customer.locator(".msg--bot").first).to_be_visible(timeout=60_000)
    _say(customer, "I want to talk to a real person please")
    expect(customer.locator(".msg--bot").last).to_contain_text(
        re.compile("passing you to a person|team is offline"), timeout=60_000)

    desk_url = f"http://127.0.0.1:{stack.settings.desk_port}"
    agent = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    agent.goto(f"{desk_url}/login")
    agent.fill("input[name=username]", "agent")
    agent.fill("input[name=password]", local_secret(stack.settings.data_dir,
                                                    "desk-demo-password"))
    agent.click("button[type=submit]")
    row = agent.locator("#queue tr", has_text="Priya Shah")
    expect(row).to_be_visible(timeout=30_000)  # the queue page refreshes itself
    expect(row).to_contain_text("vip")
    _keep_package(stack)
    row.get_by_role("link", name="Open").click()

    expect(agent.locator("#profile")).to_contain_text("CL10000101")
    expect(agent.locator("#profile")).to_contain_text("vip")
    expect(agent.locator("#summary")).to_contain_text("asked for a person")
    live = agent.locator("#live")
    expect(live).to_contain_text("I want to talk to a real person please")

    _say(customer, "my mobile data has been down all day")
    expect(live).to_contain_text("my mobile data has been down all day", timeout=30_000)

    agent.fill("#reply-card textarea[name=text]",
               "Hi Priya, I'm looking at the Manchester outage now.")
    agent.click("#send")
    expect(customer.locator(".msg--bot").last).to_have_text(
        "Hi Priya, I'm looking at the Manchester outage now.", timeout=30_000)
    expect(agent.locator("#live .msg-agent").last).to_contain_text("Demo Agent")
    assert "NOT DELIVERED" not in agent.locator("#live").inner_text()
    agent.screenshot(path=SCREENSHOT, full_page=True)

    agent.click("#resolve")
    expect(agent.locator("#queue tr", has_text="Priya Shah")).to_have_count(0)
    expect(customer.locator(".msg--bot").last).to_contain_text("how happy are you",
                                                               timeout=30_000)
    expect(customer.locator(".msg--bot").nth(-2)).to_contain_text("back with Careline")
    bot_lines = customer.locator(".msg--bot").count()
    # not a score: the desk hands the message to the bot, which answers it
    _say(customer, "hi")
    expect(customer.locator(".msg--bot")).to_have_count(bot_lines + 1, timeout=60_000)
    events = stack.tracker(customer_sender_id(_priya_id(stack)))["events"]
    kinds = [e["event"] for e in events]
    assert "pause" in kinds and kinds.index("resume") > kinds.index("pause")
    last_user = max(i for i, kind in enumerate(kinds) if kind == "user")
    assert "bot" in kinds[last_user:], "after resolve the bot answers again"


def _keep_package(stack: CarelineStack) -> None:
    desk = DeskService(get_engine(stack.database_url))
    [entry] = [e for e in desk.queue() if e.customer_name == "Priya Shah"]
    package = desk.detail(ticket_id=entry.ticket_id).package
    with open(PACKAGE_COPY, "w", encoding="utf-8") as handle:
        handle.write(package.json(indent=2))


def _priya_id(stack: CarelineStack) -> int:
    profiles = ProfileService(get_engine(stack.database_url), settings=stack.settings)
    return profiles.find_customer_by_account(account_number="CL10000101").customer_id
