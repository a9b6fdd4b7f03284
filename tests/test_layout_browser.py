"""Layout and reach on phone screens, in Chromium (issue 9, section 4).

- No page scrolls sideways at 320, 360 or 390 px: every page, as a guest and signed in
  (`document.documentElement.scrollWidth` against `clientWidth`: in a mobile context the layout
  viewport grows to fit wide content, so `innerWidth` would hide it).
- Every link, button, summary and form control is at least 44x44 px or has 44 px of room, with
  the inline exception for links in running prose: the rule is written out in
  tests/helpers/layout.py.
- At 360x640 nothing is under a sticky bar (the player's controls, a routine's Start bar): the
  player's step, instruction and "Next" line sit above the controls as the page opens, and any
  control scrolled into view stops above the bar (`elementFromPoint`).
- The library's chips wrap (none cut off) and filter at once with JavaScript; without it the
  "Show routines" button does.
- A guest logs water from home; the glasses become theirs when they sign up.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Browser, BrowserContext, Page, expect

from routines.content.models import LearnArticle

from .helpers.browser import record_console_errors, shot, sign_in_browser
from .helpers.layout import (
    GUEST_PAGES,
    SIGNED_IN_PAGES,
    WIDTHS,
    check_page,
    covered,
    phone_context,
    small_targets,
    start_guest_run,
)
from .helpers.people import PASSWORD, make_user
from .helpers.reminders import make_reminder

pytestmark = pytest.mark.browser


@pytest.fixture
def person(shipped_library: None) -> AbstractBaseUser:
    user = make_user("pat", timezone="Europe/London")
    make_reminder(user)
    return user


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_and_every_target_is_big_enough(
    browser: Browser,
    contexts: list[BrowserContext],
    live_server: Any,
    person: AbstractBaseUser,
    width: int,
) -> None:
    base = live_server.url
    problems: list[str] = []
    guest = phone_context(browser, width)
    contexts.append(guest)
    page = guest.new_page()
    errors = record_console_errors(page)
    articles = [a.get_absolute_url() for a in LearnArticle.objects.filter(published=True)]
    assert len(articles) >= 5
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    reset = f"/accounts/reset/{uid}/{default_token_generator.make_token(person)}/"
    for url in (*GUEST_PAGES, *articles, reset):
        page.goto(base + url)
        check_page(page, url, problems, f"{width}px guest")

    # A running player, then its summary (End, as a plain form post).
    start_guest_run(page, base)
    check_page(page, "(player)", problems, f"{width}px guest")
    page.locator("form.end-form").first.evaluate("form => form.submit()")
    expect(page.locator("#summary")).to_be_visible()
    check_page(page, "(summary)", problems, f"{width}px guest")

    signed = phone_context(browser, width)
    contexts.append(signed)
    sign_in_browser(signed, base, person)
    page = signed.new_page()
    errors += record_console_errors(page)
    for url in SIGNED_IN_PAGES:
        page.goto(base + url)
        check_page(page, url, problems, f"{width}px signed in")
    # The reminder form with the "every few minutes" fields showing.
    page.goto(base + "/reminders/new/")
    page.get_by_role("radio", name=re.compile("Every few minutes|Every", re.I)).first.check()
    expect(page.locator(".interval-fields")).to_be_visible()
    check_page(page, "/reminders/new/ (every few minutes)", problems, f"{width}px signed in")
    inside = page.evaluate(
        """() => [...document.querySelectorAll(".schedule-part input")].filter((input) => {
             const box = input.getBoundingClientRect();
             const part = input.closest("fieldset").getBoundingClientRect();
             return box.width && (box.right > part.right + 0.5 || box.left < part.left - 0.5);
           }).map((input) => input.name)"""
    )
    if inside:
        problems.append(f"{width}px: inputs past their fieldset: {inside}")
    start_guest_run(page, base, "hamstring-cramp-relief")
    check_page(page, "(player, signed in)", problems, f"{width}px signed in")

    assert problems == [], "\n".join(problems)
    # The browser logs the 404 page's status; that one is expected.
    assert [e for e in errors if "/no-such-page/" not in e] == [], errors


def test_the_small_target_check_fails_a_small_link_and_spares_inline_prose(
    page: Page, live_server: Any, shipped_library: None
) -> None:
    """The checker itself: a bare 16 px link next to another fails; the same link inside a
    sentence passes (the inline exception); a 44 px one passes."""
    page.goto(live_server.url + "/about/")
    page.evaluate(
        """() => {
          const main = document.querySelector("main");
          main.innerHTML = `
            <p id="bare"><a href="/a">Tiny</a><a href="/b">Tinier</a></p>
            <p>This sentence is running prose with a <a href="/c">link</a> in the middle of it.</p>
            <p><a href="/d" class="button primary">Big enough</a></p>`;
        }"""
    )
    found = small_targets(page)
    assert len(found) == 2 and all('"Tin' in f for f in found), found


def test_at_360x640_the_player_fits_above_its_controls(
    browser: Browser, contexts: list[BrowserContext], live_server: Any, shipped_library: None
) -> None:
    context = phone_context(browser, 360, 640)
    contexts.append(context)
    page = context.new_page()
    for slug in ("calf-cramp-relief", "hamstring-cramp-relief", "foot-cramp-relief"):
        start_guest_run(page, live_server.url, slug)
        # As it opens, without scrolling: the step, its instruction and "Next" are on screen
        # and nothing covers them.
        assert page.evaluate("scrollY") == 0
        for selector in ("#player-title", "#player-timer", "#player-instruction", "#player-next"):
            box = page.locator(selector).bounding_box()
            assert box and box["y"] + box["height"] <= 640, f"{slug}: {selector} is off screen"
        under = page.evaluate(
            """() => ["#player-title", "#player-timer", "#player-instruction", "#player-next"]
                 .filter((s) => {
                   const r = document.querySelector(s).getBoundingClientRect();
                   const hit = document.elementFromPoint(r.left + r.width / 2, r.bottom - 3);
                   return !document.querySelector(s).contains(hit);
                 })"""
        )
        assert under == [], f"{slug}: under the controls: {under}"
        # Every control, scrolled into view, stops above the sticky bar.
        assert covered(page, "#player a[href], #player button, #player summary, #player-next") == []
    shot(page, "layout-player-360x640", full_page=False)

    # A routine page's sticky Start bar covers no link or button scrolled into view.
    for slug in ("calf-cramp-relief", "bedtime-stretches"):
        page.goto(f"{live_server.url}/routines/{slug}/")
        assert covered(page, "main article a[href], main article summary") == [], slug


def test_library_chips_wrap_and_filter_at_once(
    phone: Page, live_server: Any, shipped_library: None
) -> None:
    phone.set_viewport_size({"width": 360, "height": 640})
    phone.goto(live_server.url + "/routines/")
    # Every chip is whole on screen: nothing cut off, nothing to scroll to.
    cut = phone.evaluate(
        """() => [...document.querySelectorAll(".chip")].filter((chip) => {
             const r = chip.getBoundingClientRect();
             return r.right > document.documentElement.clientWidth || r.left < 0;
           }).map((chip) => chip.innerText)"""
    )
    assert cut == []
    assert phone.evaluate(
        "[...document.querySelectorAll('.chips')].every((c) => c.scrollWidth <= c.clientWidth)"
    )
    expect(phone.get_by_role("button", name="Show routines")).to_have_count(0)
    phone.get_by_role("radio", name="Bedtime").tap()
    expect(phone).to_have_url(re.compile(r"situation=bedtime"))
    expect(phone.locator("#results")).to_contain_text("1 routine")


def test_without_javascript_the_library_filters_with_its_button(
    browser: Browser, contexts: list[BrowserContext], live_server: Any, shipped_library: None
) -> None:
    context = phone_context(browser, 360, java_script_enabled=False)
    contexts.append(context)
    page = context.new_page()
    page.goto(live_server.url + "/routines/")
    page.get_by_role("radio", name="Bedtime").check()
    page.get_by_role("button", name="Show routines").click()
    expect(page).to_have_url(re.compile(r"situation=bedtime"))
    expect(page.locator("#results")).to_contain_text("1 routine")


def test_a_guest_logs_water_from_home_and_keeps_it_on_sign_up(
    phone: Page, live_server: Any, shipped_library: None
) -> None:
    phone.goto(live_server.url + "/")
    warning = phone.get_by_role("link", name="Check the warning signs first")
    box = warning.bounding_box()
    assert box and box["height"] >= 44, "the hero's safety link is a whole touch target"
    card = phone.get_by_role("region", name="Drinks today")
    card_box = card.bounding_box()
    assert card_box and card_box["y"] < 844, "+1 glass is on the first screen at 390x844"
    card.get_by_role("button", name="+1 glass").tap()
    expect(card.get_by_role("status")).to_contain_text("1 glass today")
    card.get_by_role("button", name="+1 glass").tap()
    expect(card.get_by_role("status")).to_contain_text("2 glasses today")
    shot(phone, "layout-home-guest-water")

    phone.goto(live_server.url + "/accounts/signup/")
    phone.get_by_label("Username").fill("newcomer")
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_label("Password again").fill(PASSWORD)
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(live_server.url + "/")
    card = phone.get_by_role("region", name="Drinks today")
    expect(card.get_by_role("status")).to_contain_text("2 of 8 glasses today")
