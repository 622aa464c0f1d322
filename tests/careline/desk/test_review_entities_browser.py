"""The review inbox's entity editor in real Chromium: a designer unticks an entity Rasa
got wrong, marks a missed one by its type and words, and the example is saved that way."""

from __future__ import annotations

import pytest
from playwright.async_api import async_playwright

from tests.browser import launch_chromium
from tests.careline.desk.conftest import sign_in as sign_in_page
from tests.careline.desk.review_rows import client  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow


async def test_a_designer_corrects_entities_in_the_page(client):  # noqa: F811
    desk_url = str(client.make_url("")).rstrip("/")
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await sign_in_page(page, desk_url, "dee")
            await page.goto(f"{desk_url}/review?days=7")
            signal = page.locator("tr", has_text="my signal is gone")
            await signal.locator("form.correct select[name=intent]").select_option("check_outage")
            await signal.locator("select[name=add_entity]").select_option("service_kind")
            await signal.locator("input[name=add_value]").fill("signal")
            await signal.locator("form.correct button").click()
            await page.wait_for_selector("#done")
            assert "Saved as an example of check_outage" in await page.inner_text("#done")

            pin = page.locator("tr", has_text="my pin is")
            await pin.get_by_label("account_number=CL••••").uncheck()
            await pin.locator("form.correct button").click()
            await page.wait_for_selector("#done")
            assert "Saved as an example of verify_identity" in await page.inner_text("#done")
        finally:
            await browser.close()
    reviewed = client.root / "data" / "nlu" / "reviewed"
    assert "- my [signal](service_kind) is gone" in (reviewed / "check_outage.yml").read_text()
    pin_example = (reviewed / "verify_identity.yml").read_text()
    assert "[••••](pin)" in pin_example and "(account_number)" not in pin_example
