"""axe-core (WCAG 2.1 A and AA) on every page, light and dark, signed out and in, and on the
player running and paused: no violations.

axe-core and how it is run: tests/helpers/axe.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any, Literal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from routines.content.models import LearnArticle, Routine
from routines.diary.models import CrampEntry

from .helpers.axe import AXE, axe_violations
from .helpers.browser import sign_in_browser
from .helpers.reminders import make_reminder

Scheme = Literal["light", "dark"]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_library"),
]


def check_pages(
    page: Page, base: str, paths: Iterable[str], scheme: Scheme
) -> dict[str, list[str]]:
    """Visit each path in `scheme` and gather axe's violations by path (only the failing ones)."""
    page.emulate_media(color_scheme=scheme)
    found: dict[str, list[str]] = {}
    for path in paths:
        page.goto(base + path)
        problems = axe_violations(page)
        if problems:
            found[path] = problems
    return found


def public_paths() -> list[str]:
    routines = [r.slug for r in Routine.objects.all()]
    articles = [a.slug for a in LearnArticle.objects.all()]
    assert routines and articles, "the shipped library is loaded"
    return [
        "/",
        "/routines/",
        "/routines/?situation=bedtime",
        *(f"/routines/{slug}/" for slug in routines),
        *(f"/routines/{slug}/check/" for slug in routines),
        "/learn/",
        *(f"/learn/{slug}/" for slug in articles),
        "/help/",
        "/about/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password_reset/",
        "/diary/",
        "/diary/log/",
        "/no-such-page/",
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_public_page_has_no_axe_violations(
    phone: Page, live_server: Any, scheme: Scheme
) -> None:
    assert AXE.is_file(), f"{AXE} is missing: `make node` installs axe-core"
    found = check_pages(phone, live_server.url, public_paths(), scheme)
    assert found == {}, found
    # The one console error expected: the browser's note that /no-such-page/ answered 404.
    errors: list[str] = phone.console_errors  # type: ignore[attr-defined]
    errors[:] = [e for e in errors if "404" not in e or "/no-such-page/" not in e]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_signed_in_page_has_no_axe_violations(
    phone: Page, live_server: Any, sam: Any, scheme: Scheme
) -> None:
    reminder = make_reminder(sam)
    now = timezone.now()
    entries = [
        CrampEntry.objects.create(
            user=sam,
            started_at=now - dt.timedelta(hours=3 + 30 * n),
            muscle="calf",
            side="left",
            intensity=4 + n,
            lasted_minutes=5 * n + 2,
            context="night",
        )
        for n in range(5)
    ]
    sign_in_browser(phone.context, live_server.url, sam)
    paths = [
        "/",
        "/routines/",
        "/reminders/",
        "/reminders/new/",
        f"/reminders/{reminder.pk}/edit/",
        "/reminders/settings/",
        "/hydration/",
        "/push/devices/",
        "/accounts/password_change/",
        "/diary/",
        "/diary/log/",
        f"/diary/{entries[0].pk}/edit/",
        f"/diary/{entries[0].pk}/delete/",
        "/diary/insights/",
        "/diary/history/",
        "/diary/summary/",
    ]
    found = check_pages(phone, live_server.url, paths, scheme)
    assert found == {}, found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_player_running_and_paused_has_no_axe_violations(
    phone: Page, live_server: Any, scheme: Scheme
) -> None:
    routine = Routine.objects.filter(steps__isnull=False).order_by("slug").first()
    assert routine is not None
    phone.emulate_media(color_scheme=scheme)
    phone.goto(f"{live_server.url}/routines/{routine.slug}/")
    phone.get_by_role("button", name=re.compile(r"^Start")).first.tap()
    expect(phone).to_have_url(re.compile(r"/runs/[0-9a-f-]+/$"))
    expect(phone.locator("#cue-settings")).to_be_visible()
    assert axe_violations(phone) == [], "running"

    phone.get_by_role("button", name="Pause").tap()
    expect(phone.get_by_role("button", name="Resume")).to_be_visible()
    assert axe_violations(phone) == [], "paused"

    # The no-JavaScript "End this routine?" page.
    phone.goto(phone.url + "end/")
    assert axe_violations(phone) == [], "end question"
