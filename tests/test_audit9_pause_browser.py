"""At 360x640, Pause and Resume leave the player where it is (issue 9, section 4: nothing under
a sticky bar). Before, the button that took Pause's place was focused with a scroll: the
controls' scroll-padding made the browser scroll the page up, and End slid half under the
sticky site header. Time: Playwright's clock; nothing sleeps."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from .helpers.layout import covered, phone_context

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("slug", ["calf-cramp-relief", "foot-cramp-relief"])
def test_pausing_at_360x640_keeps_end_clear_of_the_header(
    browser: Browser, live_server: Any, shipped_library: None, slug: str
) -> None:
    context = phone_context(browser, 360, 640)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/routines/{slug}/check/")
        start = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
        page.clock.install(time=start)
        page.clock.pause_at(start + dt.timedelta(seconds=1))
        page.get_by_role("button", name=re.compile("None of these")).tap()
        expect(page.locator("#cue-settings")).to_be_visible()
        page.clock.run_for(6_000)
        assert page.evaluate("scrollY") == 0

        for button in ("Pause", "Resume", "Pause"):
            # A finger on the button where it is (Playwright's own tap scrolls it into view).
            box = page.get_by_role("button", name=button).bounding_box()
            assert box
            page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            expect(page.locator("#player-status")).to_have_text(
                "Paused" if button == "Pause" else ""
            )
            assert page.evaluate("scrollY") == 0, f"after {button}"
            end = page.locator("#player-end").bounding_box()
            header = page.locator(".site-header").bounding_box()
            assert end and header and end["y"] >= header["y"] + header["height"], button
            hit = page.evaluate(
                """() => {
                  const r = document.getElementById("player-end").getBoundingClientRect();
                  const el = document.elementFromPoint(r.left + r.width / 2, r.top + 3);
                  return el && el.closest("#player-end") !== null;
                }"""
            )
            assert hit, f"End is covered after {button}"
        # The focus moved to the button that took Pause's place, as before.
        assert page.evaluate("document.activeElement.dataset.action") == "resume"
        assert covered(page, "#player a[href], #player button, #player summary") == []
    finally:
        context.close()
