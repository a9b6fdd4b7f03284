"""Your data on a phone (390x844 light and dark, 360x640): the JSON download read back through
the browser, and deleting the account: a wrong password deletes nothing and says why, the right
one deletes everything and leaves the person logged out, told so, and unable to log in again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Browser, FloatRect, Locator, Page, expect

from routines.diary.models import CrampEntry
from routines.player.models import Run
from routines.privacy.views import ACCOUNT_DELETED, WRONG_PASSWORD
from routines.reminders.models import HydrationLog, PushSubscription, Reminder

from .factories import make_routine
from .helpers.axe import axe_violations
from .helpers.browser import no_horizontal_scroll, record_console_errors, shot, sign_in_browser
from .helpers.people import PASSWORD, make_user
from .helpers.reminders import make_reminder

pytestmark = pytest.mark.django_db(transaction=True)

#: (screen, colour scheme): the looks each step is photographed in.
LOOKS = {
    "390x844-light": ({"width": 390, "height": 844}, "light"),
    "390x844-dark": ({"width": 390, "height": 844}, "dark"),
    "360x640-light": ({"width": 360, "height": 640}, "light"),
}
TAP = 48


@pytest.fixture(params=list(LOOKS))
def look(
    request: pytest.FixtureRequest, browser: Browser, browser_context_args: dict[str, Any]
) -> Iterator[tuple[Page, str, list[str]]]:
    """A phone-sized page in one size and colour scheme that fails the test on a console error
    (a test removes those it expects from the list)."""
    viewport, scheme = LOOKS[request.param]
    context = browser.new_context(
        **{**browser_context_args, "viewport": viewport, "color_scheme": scheme}
    )
    page = context.new_page()
    errors = record_console_errors(page)
    yield page, request.param, errors
    context.close()
    assert errors == [], f"console errors: {errors}"


def everything_of(user: Any) -> dict[str, int]:
    """How many of each kind of thing the person has."""
    return {
        "runs": Run.objects.filter(user=user).count(),
        "diary": CrampEntry.objects.filter(user=user).count(),
        "reminders": Reminder.objects.filter(user=user).count(),
        "devices": PushSubscription.objects.filter(user=user).count(),
        "glasses": HydrationLog.objects.filter(user=user).count(),
    }


def one_of_everything(user: Any) -> None:
    now = timezone.now()
    name = user.get_username()
    routine = make_routine(title="Calf stretch", slug=f"calf-stretch-{name}")
    run = Run.begin(routine, user=user, lead_in=False, now=now)
    CrampEntry.objects.create(
        user=user, started_at=now, muscle="calf", side="left", intensity=6, notes="after a walk"
    )
    make_reminder(user)
    PushSubscription.objects.create(
        user=user,
        endpoint=f"https://push.example/{name}-phone",
        p256dh="p256dh-key",
        auth="auth-key",
    )
    HydrationLog.objects.create(user=user, at=now, glasses=2)
    assert run.user_id == user.pk


def size_of(target: Locator) -> FloatRect:
    box = target.bounding_box()
    assert box is not None, f"{target} is not shown"
    return box


def assert_tappable(target: Locator) -> None:
    box = size_of(target)
    assert box["height"] >= TAP and box["width"] >= TAP, f"{target} is {box}"


def test_download_then_delete_the_account(
    look: tuple[Page, str, list[str]], live_server: Any, tmp_path: Any
) -> None:
    page, name, errors = look
    sam = make_user("sam", timezone="Europe/Berlin")
    one_of_everything(sam)
    robin = make_user("robin")
    one_of_everything(robin)
    sign_in_browser(page.context, live_server.url, sam)

    # The data page, and the JSON file downloaded through the browser and read back.
    page.goto(f"{live_server.url}/accounts/data/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    no_horizontal_scroll(page)
    assert axe_violations(page) == []
    shot(page, f"privacy-data-{name}")
    download_link = page.get_by_role("link", name="Download your data (JSON)")
    assert_tappable(download_link)
    with page.expect_download() as downloading:
        download_link.tap()
    download = downloading.value
    assert download.suggested_filename.startswith("unknot-data-")
    assert download.suggested_filename.endswith(".json")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = json.loads(path.read_text())
    assert data["account"]["username"] == "sam"
    assert [r["routine"] for r in data["runs"]] == ["Calf stretch"]
    assert [e["notes"] for e in data["cramp_diary"]] == ["after a walk"]
    assert len(data["reminders"]) == 1
    assert [d["endpoint"] for d in data["push_devices"]] == ["https://push.example/sam-phone"]
    assert [g["glasses"] for g in data["hydration_log"]] == [2]
    assert "robin" not in path.read_text() and "auth-key" not in path.read_text()

    # The delete page: calm, the way back first-class, the destructive button marked as such.
    delete_link = page.get_by_role("link", name="Delete your account…")
    assert_tappable(delete_link)
    delete_link.tap()
    expect(page).to_have_url(f"{live_server.url}/accounts/delete/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account?")
    delete = page.get_by_role("button", name="Delete my account and data")
    keep = page.get_by_role("link", name="Keep it")
    password = page.get_by_label("Your password")
    for target in (delete, keep, password):
        assert_tappable(target)
    # One button a line, as wide as the field, so the long label never wraps in a pill.
    field = size_of(password)
    for target in (delete, keep):
        assert abs(size_of(target)["width"] - field["width"]) <= 1, target
    assert size_of(delete)["height"] < 2 * TAP
    colours = page.evaluate(
        """() => {
            const probe = document.createElement("p");
            probe.style.color = "var(--alert)";  // the page's alert colour, as the button paints
            document.body.append(probe);
            const alert = getComputedStyle(probe).color;
            probe.remove();
            const button = document.querySelector("#delete-account button[type=submit]");
            return {alert, button: getComputedStyle(button).backgroundColor};
        }"""
    )
    assert colours["button"] == colours["alert"], colours
    no_horizontal_scroll(page)
    assert axe_violations(page) == []
    shot(page, f"privacy-delete-{name}")

    # A wrong password: a clear error by the field, and nothing deleted.
    password.fill("not-my-password")
    with page.expect_response("**/accounts/delete/") as answer:
        delete.tap()
    assert answer.value.status == 400
    error = page.locator("#id_password_error")
    expect(error).to_have_text(WRONG_PASSWORD)
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Your password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Your password")).to_be_focused()  # ready for another try
    expect(page).to_have_url(f"{live_server.url}/accounts/delete/")
    assert everything_of(sam) == {
        "runs": 1,
        "diary": 1,
        "reminders": 1,
        "devices": 1,
        "glasses": 1,
    }
    no_horizontal_scroll(page)
    assert axe_violations(page) == []
    shot(page, f"privacy-delete-wrong-{name}")

    # The right password: everything goes, and the person is logged out and told so.
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account and data").tap()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("status").filter(has_text=ACCOUNT_DELETED)).to_be_visible()
    footer = page.get_by_role("navigation", name="Footer")
    expect(footer.get_by_role("link", name="Log in")).to_be_visible()
    expect(footer.get_by_role("button", name="Log out sam")).to_have_count(0)
    assert not get_user_model().objects.filter(username="sam").exists()
    assert everything_of(sam) == {
        "runs": 0,
        "diary": 0,
        "reminders": 0,
        "devices": 0,
        "glasses": 0,
    }
    assert not CrampEntry.objects.filter(notes="after a walk", user__isnull=True).exists()
    assert everything_of(robin) == {
        "runs": 1,
        "diary": 1,
        "reminders": 1,
        "devices": 1,
        "glasses": 1,
    }
    no_horizontal_scroll(page)
    shot(page, f"privacy-deleted-{name}", full_page=False)

    # The old password opens nothing: the account is gone.
    page.goto(f"{live_server.url}/accounts/data/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/accounts/data/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").tap()
    expect(page.get_by_role("alert")).to_contain_text(
        "That username and password do not match an account."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    shot(page, f"privacy-login-after-{name}")
    # The browser and htmx logged the 400 the wrong password was answered with: expected.
    errors[:] = [e for e in errors if "400" not in e or "/accounts/delete/" not in e]


def test_deleting_works_with_javascript_off(browser: Browser, live_server: Any) -> None:
    """The form is a plain form: with no script, a wrong password reloads the page with the
    error, and the right one deletes and lands on the home page, logged out."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 640}, is_mobile=True
    )
    page = context.new_page()
    sam = make_user("sam")
    one_of_everything(sam)
    sign_in_browser(context, live_server.url, sam)
    page.goto(f"{live_server.url}/accounts/delete/")
    page.get_by_label("Your password").fill("wrong")
    page.get_by_role("button", name="Delete my account and data").click()
    expect(page.locator("#id_password_error")).to_have_text(WRONG_PASSWORD)
    expect(page.get_by_label("Your password")).to_be_focused()
    assert everything_of(sam)["runs"] == 1
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account and data").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".messages")).to_have_text(ACCOUNT_DELETED)
    assert not get_user_model().objects.filter(pk=sam.pk).exists()
    assert everything_of(sam)["diary"] == 0
    context.close()
