"""The live queue in real Chromium: a new ticket appears and alerts without a reload.

The browser's Notification API is recorded by an init script (the only stand-in:
a headless browser has no desktop to show a notification on).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.async_api import async_playwright

from careline.db.session import session_scope
from careline.desk.models import Ticket
from careline.desk.follow_up import FollowUpService
from careline.desk.service import DeskService
from tests.browser import launch_chromium
from tests.careline.desk.conftest import sign_in
from tests.careline.handoff.builders import package

pytestmark = pytest.mark.slow

RECORD_NOTIFICATIONS = """
window.shown = [];
window.Notification = class {
  constructor(title, options) { window.shown.push(title + ": " + options.body); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


async def test_new_tickets_arrive_live_alert_the_opted_in_agent_and_breaches_count(
        desk_url, careline_env, screenshots):
    desk = DeskService(careline_env)
    desk.receive_handoff(package=package(  # a normal ticket, 12 min unanswered: past 10 min
        conversation_id="waiting-long",
        now=datetime.now(timezone.utc) - timedelta(minutes=12)))
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        await context.add_init_script(RECORD_NOTIFICATIONS)
        page = await context.new_page()
        await sign_in(page, desk_url)
        await page.wait_for_function("document.getElementById('breaches').textContent === '1'")
        assert "breached" in await page.get_attribute("#queue tr[data-ticket='1']", "class")
        assert "breached 2 min" in await page.inner_text("#queue tr[data-ticket='1'] td.sla")
        await page.click("#notify")
        assert await page.inner_text("#notify") == "Alerts on (click to stop)"

        url_before = page.url
        desk.receive_handoff(package=package(conversation_id="just-now"))
        await page.wait_for_selector("#queue tr[data-ticket='2']", timeout=10_000)
        assert page.url == url_before
        assert await page.evaluate("window.shown") == [
            "New customer waiting: 1 new ticket(s) on the desk"]
        assert await page.inner_text("#open-count") == "2"
        sla = await page.inner_text("#queue tr[data-ticket='2'] td.sla")
        assert sla.endswith("left") and sla.startswith(("9 min", "10 min"))
        await page.screenshot(path=str(screenshots / "desk-queue-sla.png"))
        await browser.close()


async def test_a_booked_call_back_shows_in_the_queue_and_is_flagged_when_due(
        desk_url, careline_env):
    desk, follow_up = DeskService(careline_env), FollowUpService(careline_env)
    built = package(conversation_id="night", open_now=False)
    ticket = desk.receive_handoff(package=built).ticket_id
    desk.record_event(conversation_id="night", speaker="customer", text="CALLBACK",
                      at=built.created_at + timedelta(seconds=1), source_key="night:1")
    offer = follow_up.callback_step(conversation_id="night", text="CALLBACK")
    # the last slot offered: the first is now + 1 h rounded down to the hour (offered at
    # 13:57, 14:00), which the queue already flags as due (5 minutes ahead)
    follow_up.callback_step(conversation_id="night", text=offer.choices[-1])
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await sign_in(page, desk_url)
        row = f"#queue tr[data-ticket='{ticket}']"
        assert "call back" in await page.inner_text(row)
        assert "callback-due" not in await page.get_attribute(row, "class")
        with session_scope(careline_env) as session:  # the booked time comes round
            session.get(Ticket, ticket).callback_at = datetime.now(timezone.utc)
        await page.wait_for_selector(f"{row}.callback-due", timeout=10_000)
        await browser.close()
