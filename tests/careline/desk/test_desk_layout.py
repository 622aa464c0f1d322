"""The desk in real Chromium at 1280 px and on a 390 px phone: no box over another.

The desk runs in-process on a free port with a seeded SQLite copy and a ticket
for a demo VIP's full profile whose customer pressed a button and sent a photo
and a location; Chromium reads every card's bounding box, and the media and
labels the agent sees.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.async_api import Page, async_playwright

from careline.desk.agents import AgentService
from careline.desk.schemas import Role
from careline.desk.service import DeskService
from careline.handoff.snapshot import snapshot_profile
from careline.profile.service import ProfileService
from tests.browser import OVERLAPS, launch_chromium
from tests.careline.desk.conftest import sign_in
from tests.careline.handoff.builders import bot, conversation, package, user

pytestmark = pytest.mark.slow

def _events():
    start = datetime.now(timezone.utc).timestamp() - 300
    offer = bot("Is this about your mobile line?", start + 40)
    offer["data"] = {"buttons": [{"title": "Yes, my mobile", "payload": "/affirm"},
                                 {"title": "No, my broadband at home", "payload": "/deny"}]}
    photo = user("/out_of_scope", start + 50, intent="out_of_scope", metadata={
        "media": [{"url": "https://media.example.test/router-lights.jpg",
                   "content_type": "image/jpeg"}],
        "location": {"latitude": 53.4808, "longitude": -2.2426, "label": "Home",
                     "address": "1 Deansgate, Manchester M3 1AZ"}})
    return conversation(start) + (offer, user("/deny", start + 45, intent="deny"), photo)


async def _overlaps(page: Page, selector: str) -> list[str]:
    """Pairs of visible boxes (matching ``selector``) that intersect, by their text."""
    return await page.evaluate(OVERLAPS, [selector, "text"])


@pytest.fixture
def priya_ticket(careline_env):
    """A ticket with a demo VIP's full profile: lines, outages, history."""
    profiles = ProfileService(careline_env)
    priya = profiles.find_customer_by_account(account_number="CL10000101")
    snapshot = snapshot_profile(profiles.get_profile(customer_id=priya.customer_id),
                                verified=True)
    built = package(conversation_id="layout", events=_events())
    return DeskService(careline_env).receive_handoff(
        package=built.copy(update={"customer": snapshot})).ticket_id


@pytest.mark.parametrize("width", [1280, 390])
async def test_ticket_layout_holds_and_shows_what_the_customer_meant(desk_url, priya_ticket,
                                                                     width):
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page(viewport={"width": width, "height": 900})
        await sign_in(page, desk_url)
        assert await _overlaps(page, "header > *, main > *") == []
        await page.click("#queue a:text('Open')")
        await page.wait_for_selector("#live")
        await page.screenshot(path=f"/tmp/desk-ticket-{width}.png", full_page=True)

        assert await _overlaps(page, ".card, .grid > section, header > *") == []
        assert await _overlaps(page, "#profile dt, #profile dd") == []
        dd_width = await page.evaluate(
            "Math.min(...[...document.querySelectorAll('#profile dd')]"
            ".map(d => d.getBoundingClientRect().width))")
        assert dd_width > 120, "the customer's values keep a readable column"
        scroll = await page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, "nothing pushes the page sideways"

        live = await page.inner_text("#live")
        assert "No, my broadband at home" in live and "/deny" not in live
        assert "/out_of_scope" not in live and "Home" in live
        assert await page.get_attribute("#live img", "src") == \
            "https://media.example.test/router-lights.jpg"
        understood = await page.inner_text("main")
        assert "asked why the bill went up" in understood
        assert not re.search(r"\bask_bill_increase\b|\brequest_human\b", understood)
        assert await page.is_visible("#unanswered")
        await browser.close()


@pytest.mark.parametrize("width", [1280, 390])
async def test_queue_search_and_supervisor_pages_hold_too(desk_url, priya_ticket, careline_env,
                                                          width):
    AgentService(careline_env).set_role(username="ana", role=Role.SUPERVISOR)
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page(viewport={"width": width, "height": 900})
        await sign_in(page, desk_url)
        for path in ("/", "/tickets?q=priya", "/supervisor"):
            await page.goto(f"{desk_url}{path}")
            assert await _overlaps(page, "header > *, header nav > *, main > *") == [], path
            assert await page.evaluate("document.documentElement.scrollWidth") <= width, path
        assert "Priya Shah" in await page.inner_text("#rebalance")
        await browser.close()
