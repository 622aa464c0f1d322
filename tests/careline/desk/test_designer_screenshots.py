"""The review inbox and the conversation browser in real Chromium, against the running stack
after a few real conversations over the REST channel; the screenshots in
docs/designer-guide.md come from here (CARELINE_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import re
import secrets

import pytest
import requests
from playwright.async_api import async_playwright

from careline.db.session import get_engine
from careline.desk.agents import AgentService
from careline.desk.schemas import Role
from tests.browser import launch_chromium
from tests.careline.desk.conftest import screenshots, sign_in  # noqa: F401
from tests.e2e.stack import CarelineStack, careline_stack  # noqa: F401  (the session fixture)
from tests.masking import holds_secret

pytestmark = pytest.mark.slow

TALKS = (
    ("hi", "my number is 07700 900101 and my pin is 2468", "what do I owe this month?"),
    ("is there an outage in Manchester?", "blorp zingle wat"),
    ("this is useless, I want to talk to a person",),
)


def _talk(stack: CarelineStack) -> None:
    """Play the conversations, as customers of the REST channel."""
    tag = secrets.token_hex(3)
    for number, lines in enumerate(TALKS):
        for line in lines:
            reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                                  json={"sender": f"shots-{tag}-{number}", "message": line},
                                  headers=stack.rest_headers, timeout=60)
            assert reply.status_code == 200, reply.text


async def test_inbox_and_browser_screenshots(careline_stack: CarelineStack, screenshots):
    _talk(careline_stack)
    password = secrets.token_urlsafe(12)
    agents = AgentService(get_engine(careline_stack.database_url))
    username = f"designer-{secrets.token_hex(3)}"
    agents.create_agent(username=username, password=password, display_name="Dee Designer")
    agents.set_role(username=username, role=Role.DESIGNER)
    desk_url = f"http://127.0.0.1:{careline_stack.settings.desk_port}"
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await sign_in(page, desk_url, username, password)
        await page.goto(f"{desk_url}/review")  # a REST reply comes after its turn is saved
        assert "blorp zingle wat" in await page.inner_text("table.inbox")
        html = await page.content()
        assert not holds_secret(html, "2468") and "900101" not in html
        assert "nlu_fallback" in html or "out_of_scope" in html
        await page.screenshot(path=str(screenshots / "designer-inbox.png"), full_page=True)

        await page.click("tr:has-text('what do I owe') a:text('conversation')")
        await page.wait_for_selector(".browser .msg-customer")
        shown = await page.inner_text("main")
        assert "what do I owe this month?" in shown and "ask_balance 0." in shown
        assert re.search(r"\w+ · \w+Policy \d\.\d\d", shown), shown  # action · policy conf
        assert not holds_secret(shown, "2468") and "900101" not in shown
        await page.screenshot(path=str(screenshots / "conversation-browser.png"),
                              full_page=True)
        await browser.close()
