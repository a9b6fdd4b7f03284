"""The long-cramp outcome of the safety check on a phone (390x844 light and dark, 360x640): the
advice leads, once, with the call button under it; a relief routine's page says the rule once;
the diary says it once and marks each long cramp with a link to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from routines.content.library.safety import LONG_CRAMP_ADVICE
from routines.diary.models import CrampEntry

from .helpers.axe import axe_violations
from .helpers.browser import no_horizontal_scroll, record_console_errors, shot, sign_in_browser
from .helpers.people import make_user

pytestmark = pytest.mark.django_db(transaction=True)

LOOKS = {
    "390x844-light": ({"width": 390, "height": 844}, "light"),
    "390x844-dark": ({"width": 390, "height": 844}, "dark"),
    "360x640-light": ({"width": 360, "height": 640}, "light"),
}


@pytest.fixture(params=list(LOOKS))
def look(
    request: pytest.FixtureRequest, browser: Browser, browser_context_args: dict[str, Any]
) -> Iterator[tuple[Page, str]]:
    viewport, scheme = LOOKS[request.param]
    context = browser.new_context(
        **{**browser_context_args, "viewport": viewport, "color_scheme": scheme}
    )
    page = context.new_page()
    errors = record_console_errors(page)
    yield page, request.param
    context.close()
    assert errors == [], f"console errors: {errors}"


def test_the_long_cramp_outcome_says_get_seen_today_once(
    look: tuple[Page, str], live_server: Any, shipped_library: None
) -> None:
    page, name = look
    page.goto(f"{live_server.url}/routines/calf-cramp-relief/")
    expect(page.get_by_text(LONG_CRAMP_ADVICE)).to_have_count(1)
    shot(page, f"long-cramp-routine-{name}")

    page.goto(f"{live_server.url}/routines/calf-cramp-relief/check/")
    page.get_by_role(
        "button", name="A cramp that has lasted more than 10 minutes and is not easing"
    ).tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Get seen today")
    main = page.locator("main")
    expect(main.get_by_text(LONG_CRAMP_ADVICE)).to_have_count(1)
    expect(main.get_by_text("urgent appointment")).to_have_count(1)
    call = page.get_by_role("link", name="Call 111")
    box = call.bounding_box()
    assert box is not None and box["height"] >= 48
    no_horizontal_scroll(page)
    assert axe_violations(page) == []
    shot(page, f"long-cramp-outcome-{name}")


def test_the_diary_marks_a_second_long_cramp_with_a_link_to_the_advice(
    look: tuple[Page, str], live_server: Any
) -> None:
    page, name = look
    sam = make_user("sam")
    for hours, minutes in ((1, 12), (2, 3), (3, 25)):
        CrampEntry.objects.create(
            user=sam,
            started_at=dt.datetime.now(tz=dt.UTC) - dt.timedelta(hours=hours),
            muscle="calf",
            side="left",
            intensity=6,
            lasted_minutes=minutes,
        )
    sign_in_browser(page.context, live_server.url, sam)
    page.goto(f"{live_server.url}/diary/")
    expect(page.get_by_text(LONG_CRAMP_ADVICE)).to_have_count(1)
    no_horizontal_scroll(page)
    shot(page, f"long-cramp-diary-{name}")

    page.get_by_role("link", name="What to do").tap()
    expect(page).to_have_url(f"{live_server.url}/diary/#seen-today")
    expect(page.locator("#seen-today")).to_be_in_viewport()
