"""End asks first, in a phone-sized Chromium (390x844 and 360x640), on Playwright's clock.

The page's clock and the server's (time-machine) are frozen and moved together, as in
test_player_browser.py: nothing here waits on real time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from routines.content.models import Purpose
from routines.player.models import Run

from .factories import make_routine
from .helpers.browser import no_horizontal_scroll, record_console_errors, shot

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"390x844": {"width": 390, "height": 844}, "360x640": {"width": 360, "height": 640}}


@pytest.fixture(params=list(SIZES))
def sized(
    request: pytest.FixtureRequest, browser: Browser, browser_context_args: dict[str, Any]
) -> Iterator[tuple[Page, list[str], str]]:
    context = browser.new_context(**{**browser_context_args, "viewport": SIZES[request.param]})
    page = context.new_page()
    errors = record_console_errors(page)
    yield page, errors, request.param
    context.close()


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


def test_end_asks_first_then_keep_going_carries_on_and_end_ends_early(
    sized: tuple[Page, list[str], str], live_server: Any
) -> None:
    page, errors, size = sized
    routine = make_routine(
        "Two holds",
        purpose=Purpose.PREVENTION,
        steps=[
            {"title": "First hold", "duration_seconds": 30},
            {"title": "Second hold", "duration_seconds": 20},
        ],
    )
    start = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as server_clock:
        page.clock.install(time=start)
        page.clock.pause_at(start + dt.timedelta(seconds=1))

        def advance(ms: int) -> None:
            server_clock.shift(dt.timedelta(milliseconds=ms))
            page.clock.run_for(ms)

        page.goto(f"{live_server.url}{routine.get_absolute_url()}")
        page.get_by_label("5-second get-ready").set_checked(False)
        page.get_by_role("button", name="Start").tap()
        expect(page.locator("#cue-settings")).to_be_visible()  # the player script runs
        run = Run.objects.get()

        # End is a 48 px target at the top, far from Pause at the bottom.
        end = page.get_by_role("link", name="End", exact=True)
        expect(end).to_be_visible()
        expect(page.locator("#player-controls").get_by_text("End")).to_have_count(0)
        end_box, pause_box = box(page, "#player-end"), box(page, ".control-pause button")
        assert end_box["width"] >= 48 and end_box["height"] >= 48
        gap = pause_box["y"] - (end_box["y"] + end_box["height"])
        assert gap >= 44, f"End is {gap}px from Pause"
        no_horizontal_scroll(page)

        end.tap()
        dialog = page.get_by_role("dialog", name="End this routine?")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_role("link", name="Keep going")).to_be_focused()
        shot(page, f"end-confirm-{size}", full_page=False)
        # The routine carries on behind the question, and nothing was ended.
        advance(5_000)
        expect(page.locator("#player-timer")).to_have_text("0:25")
        run.refresh_from_db()
        assert run.finished_at is None

        dialog.get_by_role("link", name="Keep going").tap()
        expect(dialog).to_be_hidden()
        expect(page).to_have_url(re.compile(rf"/runs/{run.id}/$"))  # no navigation
        advance(26_000)  # the first hold ends; 1 s into the second
        expect(page.locator("#player-title")).to_have_text("Second hold")
        expect(page.locator("#player-progress")).to_have_text("Step 2 of 2")

        end.tap()
        with page.expect_response("**/control/"):
            dialog.get_by_role("button", name="End routine").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Ended early")
        expect(page.get_by_role("group", name="Did it help?")).to_be_visible()
        expect(page.locator("main")).to_contain_text("You did 1 of 2 steps.")
        expect(page.locator("main")).to_contain_text("Not done (1) 2. Second hold")
        run.refresh_from_db()
        assert run.ended_early
        no_horizontal_scroll(page)
    assert errors == []


def test_escape_closes_the_question_without_ending(phone: Page, live_server: Any) -> None:
    routine = make_routine(
        "One hold", purpose=Purpose.PREVENTION, steps=[{"title": "Hold", "reps": 10}]
    )
    phone.clock.install()
    phone.goto(f"{live_server.url}{routine.get_absolute_url()}")
    # No get-ready: the rep step, and its Done button, come first, whatever the clock does.
    phone.get_by_label("5-second get-ready").set_checked(False)
    phone.get_by_role("button", name="Start").tap()
    expect(phone.locator("#cue-settings")).to_be_visible()
    phone.get_by_role("link", name="End", exact=True).tap()
    dialog = phone.get_by_role("dialog", name="End this routine?")
    expect(dialog).to_be_visible()
    phone.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(phone.locator("#player-title")).to_have_text("Hold")
    expect(phone.get_by_role("button", name="Done")).to_be_visible()
    assert Run.objects.get().finished_at is None
