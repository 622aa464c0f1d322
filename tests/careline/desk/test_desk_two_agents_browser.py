"""Two agents at work in real Chromium, against the whole stack (Rasa, channels, desk).

Priya (a demo VIP) asks for a person on the web chat; Ada, a VIP too, asks on WhatsApp
and then sends a photo of her router (nobody on this shift has the vip skill, so routing
leaves both tickets to be claimed). Ana, at a 1280 px screen, claims Priya's ticket,
answers with a canned response filled from the profile and resolves; Priya rates the
help 5 by tapping the button. Sam, a supervisor on a 390 px phone, claims Ada's ticket,
sees the photo inline, answers with a canned response and resolves; Ada texts back 4.
Both pages are checked for overlapping boxes and both scores reach Insight per agent. The
screenshots go to the test's temporary folder, and to docs/images/ for docs/handoff.md when
CARELINE_UPDATE_SCREENSHOTS=1 is set, so an ordinary run leaves the work tree as it was.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from careline.channels.phone_simulator import Phone, PhoneMessage
from careline.db.session import get_engine, session_scope
from careline.desk.agents import AgentService
from careline.desk.satisfaction import THANKS
from careline.desk.schemas import Role
from careline.profile.models.crm import Customer
from tests.browser import OVERLAPS, browser  # noqa: F401  (the module's Chromium)
from tests.careline.desk.test_desk_browser import _customer_page, _say
from tests.e2e.customers import add_customer, random_mobile
from tests.e2e.stack import CarelineStack, careline_stack, free_port  # noqa: F401
from tests.eventually import eventually

pytestmark = pytest.mark.slow

ASK = "I want to talk to a real person please"


@pytest.fixture(scope="module")
def photo_url(tmp_path_factory) -> Iterator[str]:
    """Ada's photo, on a web server of its own (as Twilio's media URLs are)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    folder = tmp_path_factory.mktemp("media")
    figure, axes = pyplot.subplots(figsize=(3.2, 2.0), dpi=100)
    axes.set_facecolor("#20252b")
    for x, colour in zip((0.2, 0.4, 0.6, 0.8), ("#2ecc71", "#2ecc71", "#e74c3c", "#f39c12")):
        axes.add_patch(pyplot.Circle((x, 0.5), 0.06, color=colour))
    axes.text(0.5, 0.18, "router: internet light red", color="white", ha="center")
    axes.set_xticks([]), axes.set_yticks([])
    figure.savefig(folder / "router.png")
    pyplot.close(figure)
    port = free_port()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}/router.png"
    server.shutdown()


def _send(phone: Phone, message: PhoneMessage) -> None:
    """A WhatsApp webhook from Ada's phone (in a thread: Playwright holds this one's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, phone.send(message)).result().status == 200


def _desk(browser: Browser, stack: CarelineStack, username: str, *, width: int) -> Page:
    page = browser.new_context(viewport={"width": width, "height": 900 if width > 600 else 844},
                               is_mobile=width < 600).new_page()
    page.goto(f"http://127.0.0.1:{stack.settings.desk_port}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct horse")
    page.click("button[type=submit]")
    expect(page.locator("#queue")).to_be_visible()
    return page


def _layout_holds(page: Page, width: int) -> None:
    assert page.evaluate(OVERLAPS, [".card, .grid > section, header > *, main > h1", "class"]) == []
    assert page.evaluate(OVERLAPS, ["#profile dt, #profile dd", "class"]) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _open(page: Page, customer: str) -> None:
    row = page.locator("#queue tr", has_text=customer)
    expect(row).to_be_visible(timeout=30_000)  # pushed by the live queue, no reload
    row.get_by_role("link", name="Open").click()
    expect(page.locator("#live")).to_be_visible()


def _canned_reply(page: Page, title: str, expected: str) -> None:
    page.locator("#canned").select_option(label=title)
    expect(page.locator("#reply-text")).to_have_value(expected)
    page.click("#send")
    expect(page.locator("#live .msg-agent").last).to_contain_text(expected, timeout=30_000)


def test_two_agents_claim_reply_with_canned_text_see_media_resolve_and_get_scores(
        browser: Browser, careline_stack: CarelineStack, photo_url: str, screenshots: Path):
    stack = careline_stack
    agents = AgentService(get_engine(stack.database_url))
    agents.create_agent(username="ana", password="correct horse", display_name="Ana Agent")
    agents.create_agent(username="sam", password="correct horse", display_name="Sam Super",
                        role=Role.SUPERVISOR)
    ana = _desk(browser, stack, "ana", width=1280)

    priya = _customer_page(browser, stack)
    _say(priya, "hello")
    expect(priya.locator(".msg--bot").first).to_be_visible(timeout=60_000)
    _say(priya, ASK)
    expect(priya.locator(".msg--bot").last).to_contain_text(
        re.compile("passing you to a person|team is offline"), timeout=60_000)

    ada = add_customer(stack.database_url, msisdn=random_mobile(), whatsapp=True)
    with session_scope(get_engine(stack.database_url)) as session:
        session.get(Customer, ada.customer_id).segment = "vip"
    phone = stack.phone("whatsapp", ada.msisdn)
    _send(phone, PhoneMessage(text=ASK))
    # both need the vip skill, which nobody on this shift has: they wait to be claimed
    expect(ana.locator("#queue tr", has_text="Ada Tester")).to_contain_text(
        "open", timeout=60_000)
    _send(phone, PhoneMessage(media=((photo_url, "image/png"),)))
    expect(ana.locator("#queue tr", has_text="Priya Shah")).to_contain_text("open")

    # Ana: Priya's ticket at 1280 px
    _open(ana, "Priya Shah")
    ana.get_by_role("button", name="Claim").click()
    expect(ana.locator("h1")).to_contain_text("Ana Agent")
    _canned_reply(ana, "Greeting",
                  "Hi Priya, thanks for waiting. I'm looking at your account now.")
    expect(priya.locator(".msg--bot").last).to_have_text(
        "Hi Priya, thanks for waiting. I'm looking at your account now.", timeout=30_000)
    expect(ana.locator("#unanswered")).to_have_count(0)
    _layout_holds(ana, 1280)
    ana.screenshot(path=str(screenshots / "desk-ticket-1280.png"), full_page=True)
    ana.click("#resolve")
    expect(ana.locator("#queue tr", has_text="Priya Shah")).to_have_count(0)
    expect(priya.locator(".msg--bot").last).to_contain_text("how happy are you",
                                                            timeout=30_000)
    priya.get_by_role("button", name="5", exact=True).click()
    expect(priya.locator(".msg--bot").last).to_have_text(THANKS, timeout=30_000)

    # Sam: Ada's ticket on a 390 px phone, with her photo
    sam = _desk(browser, stack, "sam", width=390)
    _open(sam, "Ada Tester")
    sam.get_by_role("button", name="Claim").click()
    expect(sam.locator("h1")).to_contain_text("Sam Super")
    photo = sam.locator("#live img").last
    expect(photo).to_have_attribute("src", photo_url, timeout=30_000)
    eventually(lambda: photo.evaluate("img => img.complete && img.naturalWidth > 0"))
    assert "/out_of_scope" not in sam.locator("#live").inner_text()
    expect(sam.locator("#unanswered")).to_be_visible()  # the photo has no answer yet
    _canned_reply(sam, "Greeting", "Hi Ada, thanks for waiting. I'm looking at your account now.")
    _layout_holds(sam, 390)
    sam.screenshot(path=str(screenshots / "desk-ticket-390.png"), full_page=True)
    sam.click("#resolve")
    expect(sam.locator("#queue tr", has_text="Ada Tester")).to_have_count(0)
    whatsapp = f"whatsapp:{ada.msisdn}"
    eventually(lambda: any("how happy are you" in m["body"]
                            for m in stack.standin_messages(whatsapp)))
    _send(phone, PhoneMessage(text="4"))
    eventually(lambda: any(m["body"] == THANKS for m in stack.standin_messages(whatsapp)))

    ana.goto(f"http://127.0.0.1:{stack.settings.desk_port}/insight?since=1d")
    scores = ana.locator("#satisfaction")
    expect(scores).to_contain_text("customers asked")
    by_agent = scores.locator("table").first
    expect(by_agent.locator("tr", has_text="Ana Agent")).to_contain_text("5.0")
    expect(by_agent.locator("tr", has_text="Sam Super")).to_contain_text("4.0")
    scores.screenshot(path=str(screenshots / "desk-satisfaction.png"))
