"""Every page the app has now, at 320, 360 and 390 px: no sideways scrolling and every target
44x44 px or 44 px apart (issue 9, section 4), and axe-core in light and dark (section 6).

tests/test_layout_browser.py checks the pages that issue 9 first listed; this file adds those
that came later (the diary, the account's data pages, each safety-check outcome, the offline
page, the offline player and its end screen, the summary of a finished run, the reminder's
delete question) and a guard: every URL the app serves as a page is in one of the two lists,
so a new page cannot be left out without the guard failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal

import pytest
import time_machine
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from routines.content.models import LearnArticle, SafetySign
from routines.diary.models import CrampEntry
from routines.player.models import Run
from routines.reminders.models import Reminder

from .factories import make_routine
from .helpers.axe import axe_violations
from .helpers.browser import installed, record_console_errors, sign_in_browser
from .helpers.layout import (
    GUEST_PAGES,
    SIGNED_IN_PAGES,
    WIDTHS,
    check_page,
    covered,
    phone_context,
    start_guest_run,
)
from .helpers.people import make_user
from .helpers.reminders import make_reminder

pytestmark = pytest.mark.browser

#: URL names that are no page to look at: POST-only actions, JSON, files, feeds, the service
#: worker and the manifest. Each with why.
NOT_PAGES = {
    "favicon": "an icon",
    "manifest": "JSON",
    "service_worker": "a script",
    "start_run": "POST only",
    "upload_offline_run": "POST only (JSON)",
    "run_state": "JSON",
    "run_control": "POST only",
    "rate_run": "POST only",
    "data_download": "a JSON file",
    "diary_csv": "a CSV file",
    "calendar_feed": "an iCalendar feed",
    "reminder_preview": "POST only (a fragment)",
    "reminders_suggested": "POST only",
    "reminders_pause": "POST only",
    "reminders_resume": "POST only",
    "calendar_new_link": "POST only",
    "reminder_toggle": "POST only",
    "reminder_snooze": "POST only",
    "reminder_delete": "POST only (its question is reminder_confirm_delete)",
    "reminders_due": "a fragment in every page (the due banner)",
    "reminder_due_dismiss": "POST only",
    "reminder_due_act": "POST only",
    "push_subscribe": "POST only (JSON)",
    "push_device_remove": "POST only",
    "push_test": "POST only",
    "hydration_add": "POST only",
    "hydration_undo": "POST only",
    "hydration_settings": "POST only",
    "hydration_drank": "POST only (a push action)",
    "logout": "POST only",
}
ADMIN = ("admin:",)


def url_names(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            space = f"{pattern.namespace}:" if pattern.namespace else prefix
            yield from url_names(pattern.url_patterns, space)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name


@pytest.fixture
def person(shipped_library: None) -> AbstractBaseUser:
    user = make_user("pat", timezone="Europe/London")
    make_reminder(user)
    now = timezone.now()
    for n in range(4):
        CrampEntry.objects.create(
            user=user,
            started_at=now - dt.timedelta(hours=3 + 30 * n),
            muscle="calf",
            side="left",
            intensity=4 + n,
            lasted_minutes=(12, 3, 5, 25)[n],
            context="night",
        )
    return user


def finished_run(user: AbstractBaseUser, slug: str = "calf-cramp-relief") -> Run:
    """A run that ran to its end on its own (every step timed, nothing skipped), started an
    hour ago and read now, through the views as a phone would."""
    client = Client()
    client.force_login(user)
    with time_machine.travel(timezone.now() - dt.timedelta(hours=1), tick=False) as traveller:
        client.post(reverse("start_run", args=[slug]), {"safety": "clear"})
        run = Run.objects.filter(user=user).latest("started_at")
        assert all(phase.duration_ms for phase in run.phase_list())
        traveller.shift(dt.timedelta(hours=1))
        assert "Did it help?" in client.get(run.get_absolute_url()).content.decode()
    run.refresh_from_db()
    assert run.finished_at is not None and not run.ended_early
    assert run.skipped == []
    return run


def guest_extra() -> list[str]:
    signs = SafetySign.objects.order_by("level__order", "order").values_list("key", flat=True)
    assert len(signs) == 14
    return [
        "/offline/",
        "/offline/run/?routine=calf-cramp-relief",
        "/offline/run/?routine=bedtime-stretches&lead_in=1",
        "/offline/run/?routine=not-saved",
        "/diary/",
        "/diary/log/",
        *(f"/routines/calf-cramp-relief/check/?sign={key}" for key in signs),
    ]


def signed_in_extra(user: AbstractBaseUser) -> list[str]:
    entry = CrampEntry.objects.filter(user=user).order_by("pk").first()
    reminder = Reminder.objects.filter(user=user).first()
    assert entry and reminder
    run = finished_run(user)
    return [
        "/diary/",
        "/diary/log/",
        f"/diary/log/?run={run.id}",
        f"/diary/{entry.pk}/edit/",
        f"/diary/{entry.pk}/delete/",
        "/diary/insights/",
        "/diary/history/",
        "/diary/summary/",
        "/diary/summary/?range=90",
        "/accounts/data/",
        "/accounts/delete/",
        f"/reminders/{reminder.pk}/edit/",
        f"/reminders/{reminder.pk}/remove/",
        run.get_absolute_url(),  # the summary of a run done to the end
        f"{run.get_absolute_url()}end/",
    ]


def test_every_page_the_app_serves_is_in_a_layout_list(person: AbstractBaseUser) -> None:
    """The guard: each URL name is checked by a layout test, or is listed as no page."""
    articles = [a.get_absolute_url() for a in LearnArticle.objects.all()]
    reset = "/accounts/reset/MQ/set-password/"
    paths = [*GUEST_PAGES, *SIGNED_IN_PAGES, *guest_extra(), *signed_in_extra(person)]
    paths += [*articles, reset, f"/runs/{Run.objects.first().id}/"]  # type: ignore[union-attr]
    covered = {resolve(path.split("?")[0]).view_name for path in paths if path != "/no-such-page/"}
    names = {n for n in url_names(get_resolver().url_patterns) if not n.startswith(ADMIN)}
    missing = names - covered - set(NOT_PAGES)
    assert missing == set(), f"pages no layout test visits: {sorted(missing)}"
    assert set(NOT_PAGES) <= names, "a name in NOT_PAGES the app no longer has"
    assert covered & set(NOT_PAGES) == set()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_later_pages_fit_and_have_big_enough_targets(
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
    for url in guest_extra():
        page.goto(base + url)
        expect(page.locator("main h1:visible").first).to_be_visible()
        check_page(page, url, problems, f"{width}px guest")
    # The no-JavaScript End question of a running guest run.
    start_guest_run(page, base)
    page.goto(page.url + "end/")
    check_page(page, "(end question)", problems, f"{width}px guest")

    signed = phone_context(browser, width)
    contexts.append(signed)
    sign_in_browser(signed, base, person)
    page = signed.new_page()
    errors += record_console_errors(page)
    for url in signed_in_extra(person):
        page.goto(base + url)
        expect(page.locator("main h1:visible").first).to_be_visible()
        check_page(page, url, problems, f"{width}px signed in")

    assert problems == [], "\n".join(problems)
    assert errors == [], errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_offline_end_screen_fits(
    browser: Browser, contexts: list[BrowserContext], live_server: Any, width: int
) -> None:
    """With no connection: the offline player and its end screen, ended early."""
    routine = make_routine("Calf relief", steps=[{"title": "Hold", "duration_seconds": 30}])
    context = phone_context(browser, width)
    contexts.append(context)
    page = context.new_page()
    installed(page, f"{live_server.url}/")
    context.set_offline(True)
    problems: list[str] = []
    page.goto(f"{live_server.url}/offline/run/?routine={routine.slug}")
    expect(page.locator("#player-title")).to_have_text("Hold")
    check_page(page, "(offline player)", problems, f"{width}px")
    page.locator("#player-end").tap()
    page.get_by_role("button", name="End routine").tap()
    expect(page.locator("#after-note")).to_be_visible()
    check_page(page, "(offline end screen)", problems, f"{width}px")
    assert problems == [], "\n".join(problems)


Scheme = Literal["light", "dark"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_later_pages_have_no_axe_violations(
    phone: Page, live_server: Any, person: AbstractBaseUser, scheme: Scheme
) -> None:
    phone.emulate_media(color_scheme=scheme)
    found: dict[str, list[str]] = {}
    for url in guest_extra():
        phone.goto(live_server.url + url)
        if problems := axe_violations(phone):
            found[url] = problems
    sign_in_browser(phone.context, live_server.url, person)
    for url in signed_in_extra(person):
        phone.goto(live_server.url + url)
        if problems := axe_violations(phone):
            found[url] = problems
    assert found == {}, found


def test_at_360x640_nothing_on_the_safety_check_hides_under_its_start_bar(
    browser: Browser, contexts: list[BrowserContext], live_server: Any, shipped_library: None
) -> None:
    """The safety check has a sticky "None of these: start" bar, as a routine page has: each
    sign, the "See a doctor soon" list and every link stop above it when scrolled to."""
    context = phone_context(browser, 360, 640)
    contexts.append(context)
    page = context.new_page()
    for slug in ("calf-cramp-relief", "foot-cramp-relief"):
        page.goto(f"{live_server.url}/routines/{slug}/check/")
        page.locator("main details summary").first.click()  # "See a doctor soon" opened
        expect(page.locator("main details").first).to_have_attribute("open", "")
        targets = "main a[href], main summary, main button:not(.start-bar *), main label"
        assert page.locator(targets).count() >= 8  # seven signs, the summary, the voice box
        assert covered(page, targets) == [], slug
