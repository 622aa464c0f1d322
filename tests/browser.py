"""Headless Chromium for the browser tests, and the layout check they share.

The tests drive Debian's Chromium (``/usr/bin/chromium``), not a browser Playwright
downloads, with the flags a container without a GPU or a user namespace needs. The
``browser`` fixture (import it into a module) is one synchronous Chromium for that
module's tests; :func:`launch_chromium` starts one under Playwright's asyncio API.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from playwright.async_api import Browser as AsyncBrowser
from playwright.async_api import Playwright as AsyncPlaywright
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

#: ``page.evaluate(OVERLAPS, [selector, label])``: the pairs of visible boxes matching
#: ``selector`` that intersect (by more than a pixel; a box inside another does not count),
#: each named by its elements' class (``label`` "class") or first 30 characters of text
#: ("text"). A layout that holds gives ``[]``.
OVERLAPS = """([selector, label]) => {
  const name = e => label === "text" ? e.textContent.slice(0, 30) : e.className;
  const boxes = [...document.querySelectorAll(selector)]
    .map(e => [e, e.getBoundingClientRect()]).filter(([, r]) => r.width && r.height);
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, r] = boxes[i], [b, s] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    if (r.left < s.right - 1 && s.left < r.right - 1 && r.top < s.bottom - 1 &&
        s.top < r.bottom - 1) hits.push(name(a) + " / " + name(b));
  }
  return hits;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


async def launch_chromium(playwright: AsyncPlaywright) -> AsyncBrowser:
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
