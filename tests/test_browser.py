"""Browser tests at phone size (390x844) in Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from .helpers.browser import no_horizontal_scroll, shot


def test_cramp_now_reaches_the_calf_relief_safety_check_in_one_tap(
    phone: Page, live_server, shipped_library: None
) -> None:
    phone.goto(live_server.url + "/")
    expect(phone.get_by_role("heading", name="Cramp now?")).to_be_visible()
    no_horizontal_scroll(phone)
    shot(phone, "home")
    calf = phone.get_by_role("link", name=re.compile(r"^Calf"))
    box = calf.bounding_box()
    assert box and box["height"] >= 48 and box["width"] >= 300, "the calf button is thumb-sized"
    calf.tap()
    # One tap reaches the safety check for the calf routine; "None of these" starts it.
    expect(phone).to_have_url(re.compile(r"/routines/calf-cramp-relief/check/$"))
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Before you start")
    expect(phone.locator(".eyebrow")).to_contain_text("Calf")
    expect(phone.get_by_role("button", name="None of these: start")).to_be_visible()


def test_home_lists_prevention_routines_and_links_to_help(
    phone: Page, live_server, shipped_library: None
) -> None:
    phone.goto(live_server.url + "/")
    prevention = phone.get_by_role("region", name="Fewer cramps")
    expect(prevention.get_by_role("link", name=re.compile("Bedtime"))).to_be_visible()
    phone.get_by_role("link", name=re.compile("When to get help")).first.tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("When to get help")
    no_horizontal_scroll(phone)
    shot(phone, "help")


def test_library_filter_swaps_the_list_and_keeps_the_url(
    phone: Page, live_server, shipped_library: None
) -> None:
    phone.goto(live_server.url + "/routines/")
    results = phone.locator("#results")
    expect(results.get_by_role("listitem")).to_have_count(10)
    no_horizontal_scroll(phone)
    shot(phone, "library")

    phone.get_by_role("radio", name="Bedtime").tap()
    expect(phone).to_have_url(re.compile(r"situation=bedtime"))
    expect(results).to_contain_text("1 routine")
    expect(results.get_by_role("link", name=re.compile("Bedtime"))).to_be_visible()

    phone.get_by_role("radio", name="Foot").tap()
    expect(phone).to_have_url(re.compile(r"situation=bedtime.*area=foot"))
    expect(results).to_contain_text("No routine matches")

    phone.get_by_role("radio", name="Any time").tap()
    expect(results).to_contain_text(re.compile(r"^\s*\d+ routines?"))
    foot_relief = results.get_by_role("link", name=re.compile("Foot and toe cramp relief"))
    expect(foot_relief).to_be_visible()
    shot(phone, "library-filtered")

    # The filtered URL reloads to the same list.
    phone.reload()
    expect(phone.get_by_role("radio", name="Foot")).to_be_checked()


def test_library_bad_filter_value_shows_a_clear_error(
    phone: Page, live_server, shipped_library: None
) -> None:
    response = phone.goto(live_server.url + "/routines/?area=elbow")
    assert response is not None and response.status == 400
    # The browser logs the 400 it was given; that one is expected.
    phone.console_errors[:] = [e for e in phone.console_errors if "status of 400" not in e]
    expect(phone.get_by_role("alert")).to_contain_text("There is no body area called “elbow”")
    phone.get_by_role("link", name="Show all routines").tap()
    expect(phone.locator("#results .card")).to_have_count(10)


def test_library_filters_work_without_javascript(
    browser, browser_context_args: dict, live_server, shipped_library: None
) -> None:
    context: BrowserContext = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/routines/")
    page.get_by_role("radio", name="Desk break").check()
    page.get_by_role("button", name="Show routines").click()
    expect(page).to_have_url(re.compile(r"situation=desk-break"))
    expect(page.locator("#results")).to_contain_text("1 routine")
    page.get_by_role("link", name=re.compile("Desk")).click()
    expect(page.get_by_role("heading", level=2, name="Steps")).to_be_visible()
    context.close()


def test_routine_page_shows_steps_sides_time_and_evidence(
    phone: Page, live_server, shipped_library: None
) -> None:
    phone.goto(live_server.url + "/routines/bedtime-stretches/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    expect(phone.get_by_text("Left, then right").first).to_be_visible()
    expect(phone.locator(".facts div", has_text="Time")).to_have_text(re.compile(r"About 3 min"))
    expect(phone.get_by_text(re.compile(r"Evidence: (Supported|Mixed|Weak)"))).to_be_visible()
    phone.get_by_text(re.compile(r"Sources \(\d+\)")).tap()
    expect(phone.locator(".sources a").first).to_be_visible()
    no_horizontal_scroll(phone)
    shot(phone, "routine")


def test_learn_and_about_pages_read_well_on_a_phone(
    phone: Page, live_server, shipped_library: None
) -> None:
    phone.goto(live_server.url + "/learn/")
    no_horizontal_scroll(phone)
    shot(phone, "learn")
    phone.locator(".card-link").first.tap()
    expect(phone.locator(".badge").first).to_be_visible()
    no_horizontal_scroll(phone)
    shot(phone, "learn-article")
    phone.goto(live_server.url + "/about/")
    expect(phone.locator(".disclaimers > li")).to_have_count(11)
    shot(phone, "about")
