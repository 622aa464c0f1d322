"""The web chat page's sign-in step in headless Chromium (Debian's build): Emma asks for
her balance, names her web account, types the code the stand-in recorded, and the chat then
answers the question from her account without her asking it again. The screenshot goes to
docs/images/ only with CARELINE_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.stack import CarelineStack
from tests.e2e.test_money_dates_keywords import CODE
from tests.e2e.test_webchat_browser import browser  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.slow

EMMA_SMS, EMMA_WEB = "+447700900105", "emma.clarke"
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """docs/images/ (for docs/conversations.md) only when asked, so a run changes no file."""
    return DOCS_IMAGES if os.environ.get("CARELINE_UPDATE_SCREENSHOTS") == "1" else tmp_path


def texted_code(stack: CarelineStack, known: set[str]) -> str:
    """The code the stand-in recorded for Emma after ``known`` (Playwright's sync API owns
    this thread's event loop, so the stand-in is read over plain HTTP)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in stack.standin_messages(EMMA_SMS):
            found = CODE.search(message.get("body") or "")
            if message["sid"] not in known and found:
                return found.group(1)
        time.sleep(0.25)
    raise AssertionError("no one-time code was texted")


def test_the_page_signs_a_visitor_in_and_the_chat_knows_her(
        browser: Browser, careline_stack: CarelineStack, screenshots: Path):  # noqa: F811
    context = browser.new_context(viewport={"width": 600, "height": 820})
    page: Page = context.new_page()
    try:
        page.goto(f"{careline_stack.rasa_url}/webhooks/webchat/chat")
        expect(page.locator("#status")).to_have_text("Connected", timeout=30_000)
        expect(page.locator("#sign-in")).to_be_visible()
        page.fill("#message", "what's my balance")
        page.press("#message", "Enter")
        asked = page.locator(".msg--bot", has_text="account number")
        expect(asked).to_be_visible(timeout=60_000)  # held back until she signs in
        known = {m["sid"] for m in careline_stack.standin_messages(EMMA_SMS)}
        page.fill("#sign-in-who", EMMA_WEB)
        page.click("#sign-in-start button")
        expect(page.locator("#sign-in-prompt")).to_contain_text("texted a 6-digit code")
        page.fill("#sign-in-answer", texted_code(careline_stack, known))
        page.click("#sign-in-check button")
        expect(page.locator("#status")).to_have_text("Signed in", timeout=30_000)
        expect(page.locator("#sign-in")).to_be_hidden()
        # the question she asked before signing in is answered without asking it again
        answer = page.locator(".msg--bot", has_text=re.compile("You owe|all paid up"))
        expect(answer).to_be_visible(timeout=60_000)
        expect(page.locator(".msg--user")).to_have_count(1)
        page.screenshot(path=str(screenshots / "webchat-sign-in.png"))
        page.reload()  # the tab stays signed in: its customer token was kept
        expect(page.locator("#status")).to_have_text("Connected", timeout=30_000)
        expect(page.locator("#sign-in")).to_be_hidden()
    finally:
        context.close()
