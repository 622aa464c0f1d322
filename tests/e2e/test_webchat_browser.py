"""A real conversation on the web chat page in headless Chromium (Debian's build)."""

from __future__ import annotations

import json
import uuid
from typing import Iterator

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from careline.webchat.journal import journal_key
from tests.browser import browser  # noqa: F401  (the module's Chromium)
from tests.e2e.stack import CarelineStack
from tests.e2e.test_twilio_channels import _user_events
from tests.eventually import eventually

pytestmark = pytest.mark.slow


@pytest.fixture()
def page(browser: Browser, careline_stack: CarelineStack) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    # Record whether the typing indicator ever showed (it is on only while the bot works).
    page.add_init_script("""
      window.__typingSeen = false;
      document.addEventListener('DOMContentLoaded', () => {
        const typing = document.getElementById('typing');
        new MutationObserver(() => { if (!typing.hidden) window.__typingSeen = true; })
          .observe(typing, { attributes: true });
      });
    """)
    page.goto(f"{careline_stack.rasa_url}/webhooks/webchat/chat")
    yield page
    context.close()


def _session_id(page: Page) -> str:
    page.wait_for_function("document.querySelector('.chat').dataset.sessionId")
    return page.eval_on_selector(".chat", "el => el.dataset.sessionId")


def test_a_visitor_chats_presses_a_button_and_keeps_the_session_on_reload(
        page: Page, careline_stack: CarelineStack):
    expect(page.locator("#status")).to_have_text("Connected", timeout=30_000)
    session_id = _session_id(page)
    assert session_id.startswith("web-anon-")

    page.fill("#message", "hi")
    page.press("#message", "Enter")
    expect(page.locator(".msg--user")).to_have_text(["hi"])
    expect(page.locator(".msg--bot").first).to_be_visible(timeout=60_000)
    page.wait_for_function("window.__typingSeen === true")
    expect(page.locator("#typing")).to_be_hidden()

    requests.post(
        f"{careline_stack.rasa_url}/conversations/{session_id}/tracker/events",
        params={"token": careline_stack.token, "output_channel": "latest",
                "execute_side_effects": "true"},
        json={"event": "bot", "text": "Anything else?", "data": {"buttons": [
            {"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/goodbye"}]}},
        timeout=30).raise_for_status()
    page.locator(".quick-reply", has_text="No").click()
    expect(page.locator(".msg--user").last).to_have_text("No")
    events = eventually(lambda: len(_user_events(careline_stack, session_id)) == 2
                         and _user_events(careline_stack, session_id))
    assert events[-1]["text"] == "/goodbye"

    page.reload()
    expect(page.locator("#status")).to_have_text("Connected", timeout=30_000)
    assert _session_id(page) == session_id


def _pending(page: Page) -> list[dict]:
    stored = page.evaluate("window.sessionStorage.getItem('careline.webchat.pending')")
    return json.loads(stored)["messages"] if stored else []


def test_each_message_is_kept_until_done_and_a_kept_one_is_sent_again_on_load(
        browser: Browser, careline_stack: CarelineStack):
    """A message the page sent but never heard answered (its replica died, the tab was
    reloaded) is sent again, with its id, once the page is connected; one turn answers it."""
    context = browser.new_context()
    page = context.new_page()
    kept = uuid.uuid4().hex
    page.add_init_script(f"""
      if (!window.sessionStorage.getItem('careline.webchat.pending')) {{
        window.sessionStorage.setItem('careline.webchat.pending', JSON.stringify(
          {{session: null, messages: [{{id: '{kept}', text: 'hello', sentAt: 0}}]}}));
      }}
    """)
    try:
        page.goto(f"{careline_stack.rasa_url}/webhooks/webchat/chat")
        session_id = _session_id(page)
        expect(page.locator(".msg--bot").first).to_be_visible(timeout=60_000)
        page.wait_for_function("JSON.parse(window.sessionStorage.getItem("
                               "'careline.webchat.pending')).messages.length === 0")

        page.fill("#message", "what can you do")
        page.press("#message", "Enter")
        page.wait_for_function("JSON.parse(window.sessionStorage.getItem("
                               "'careline.webchat.pending')).messages.length === 0",
                               timeout=60_000)
        events = eventually(lambda: len(_user_events(careline_stack, session_id)) == 2
                            and _user_events(careline_stack, session_id))
        assert [e["text"] for e in events] == ["hello", "what can you do"]
        assert events[0]["message_id"] == journal_key(sender_id=session_id, message_id=kept)
        assert all(e["message_id"].startswith("WC") for e in events)
        assert _pending(page) == []
    finally:
        context.close()
