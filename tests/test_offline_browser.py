"""Installable and offline, in a phone-sized Chromium: the service worker precaches the app,
the browser goes offline (context.set_offline), and the library, a routine and the player
still work; the run reaches the history once back online. Also the offline page, the
"Reload to update" prompt and the iPhone "Add to Home Screen" guide.

Time: the player runs on Playwright's clock (moved with run_for); nothing sleeps.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from playwright.sync_api import Browser, Page, expect

from routines.content.models import Purpose, Routine
from routines.player.models import Run

from .factories import make_routine, make_sign, make_triage_level
from .helpers.browser import freeze_page_clock, installed, sign_in_browser

pytestmark = pytest.mark.django_db(transaction=True)

OUTBOX = "unknot.offline-runs"
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


def bedtime_routine() -> Routine:
    """Two 20-second stretches with a 10-second rest between."""
    return make_routine(
        "Bedtime stretch",
        steps=[
            {"title": "Calf stretch", "duration_seconds": 20, "rest_after_seconds": 10},
            {"title": "Hamstring stretch", "duration_seconds": 20},
        ],
    )


def test_offline_the_library_opens_a_routine_runs_to_the_end_and_reaches_history_once(
    phone: Page, live_server: Any, sam: AbstractBaseUser
) -> None:
    routine = bedtime_routine()
    sign_in_browser(phone.context, live_server.url, sam)
    installed(phone, f"{live_server.url}/")
    phone.context.set_offline(True)

    phone.goto(f"{live_server.url}/routines/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    phone.get_by_role("link", name=re.compile(routine.title)).first.click()
    expect(phone).to_have_url(f"{live_server.url}/routines/{routine.slug}/")
    freeze_page_clock(phone)
    phone.get_by_label("5-second get-ready").set_checked(False)
    phone.get_by_role("button", name="Start").tap()

    expect(phone).to_have_url(re.compile(rf"/offline/run/\?routine={routine.slug}$"))
    expect(phone.locator("#cue-settings")).to_be_visible()  # the player script took over
    expect(phone.locator("#player-title")).to_have_text("Calf stretch")
    expect(phone.locator("#player-progress")).to_have_text("Step 1 of 2")
    expect(phone.locator("#player-timer")).to_have_text("0:20")
    phone.clock.run_for(20_000)
    expect(phone.locator("#player-title")).to_have_text("Rest")
    phone.clock.run_for(2_000)
    phone.get_by_role("button", name="Skip").tap()
    expect(phone.locator("#player-title")).to_have_text("Hamstring stretch")
    phone.clock.run_for(20_000)
    expect(phone.get_by_role("heading", name="End of the routine")).to_be_visible()
    expect(phone.locator("#player-status")).to_contain_text("Saved on this phone")
    assert not Run.objects.exists()
    outbox = phone.evaluate(f"() => localStorage.getItem('{OUTBOX}')")
    assert routine.slug in outbox

    phone.context.set_offline(False)  # the page hears "online" and sends the run
    expect(phone).to_have_url(re.compile(r"/runs/[0-9a-f-]+/$"))
    expect(phone.get_by_role("heading", name="Well done")).to_be_visible()
    run = Run.objects.get()
    assert run.user == sam and run.client_id is not None
    assert run.skipped == [1] and run.finished_at is not None and not run.ended_early
    assert phone.evaluate(f"() => localStorage.getItem('{OUTBOX}')") is None

    # Sent again (another tab, a retry after a lost answer): saved once all the same.
    phone.evaluate(f"(o) => localStorage.setItem('{OUTBOX}', o)", outbox)
    phone.goto(f"{live_server.url}/")
    phone.wait_for_function(f"() => localStorage.getItem('{OUTBOX}') === null")
    assert Run.objects.count() == 1
    history = phone.locator(".run-list li")
    expect(history).to_have_count(1)
    expect(history).to_contain_text(f"{routine.title}")
    expect(history).to_contain_text("finished")


def test_offline_a_relief_routine_starts_from_the_safety_check(
    phone: Page, live_server: Any
) -> None:
    level = make_triage_level("Get help now", stops_routine=True)
    make_sign(level, "The leg is cold and pale.", key="cold-leg")
    routine = make_routine(
        "Calf relief",
        purpose=Purpose.RELIEF,
        situations=["cramp-now"],
        areas=["calf"],
        steps=[{"title": "Straighten the leg", "duration_seconds": 30}],
    )
    installed(phone, f"{live_server.url}/")
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/")
    phone.get_by_role("link", name=re.compile("Calf")).first.click()
    expect(phone).to_have_url(f"{live_server.url}/routines/{routine.slug}/check/")
    phone.get_by_role("button", name="None of these: start").tap()
    expect(phone).to_have_url(re.compile(r"/offline/run/\?routine="))
    expect(phone.locator("#player-title")).to_have_text("Straighten the leg")
    expect(phone.locator("#player-progress")).to_have_text("Step 1 of 1")


def test_offline_a_page_that_was_not_saved_shows_the_offline_page(
    phone: Page, live_server: Any
) -> None:
    installed(phone, f"{live_server.url}/")
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/learn/")
    expect(phone.get_by_role("heading", name="No connection")).to_be_visible()
    phone.get_by_role("link", name="All routines").click()
    expect(phone).to_have_url(f"{live_server.url}/routines/")


def test_offline_a_routine_not_saved_on_the_phone_says_so(phone: Page, live_server: Any) -> None:
    installed(phone, f"{live_server.url}/")
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/offline/run/?routine=not-a-routine")
    expect(phone.get_by_role("heading", name="This routine is not saved")).to_be_visible()
    expect(phone.locator("#player")).to_be_hidden()


#: Once the active worker has finished activating (it drops older caches then): the caches.
ACTIVATED_CACHES = """async () => {
  const worker = (await navigator.serviceWorker.getRegistration()).active;
  if (worker.state !== "activated") {
    await new Promise((done) =>
      worker.addEventListener("statechange", () => worker.state === "activated" && done()),
    );
  }
  return (await caches.keys()).sort();
}"""


def cache_names(page: Page) -> list[str]:
    return page.evaluate(ACTIVATED_CACHES)


def has_waiting_worker(page: Page) -> bool:
    return page.evaluate(
        "async () => (await navigator.serviceWorker.getRegistration()).waiting !== null"
    )


def test_a_new_version_waits_for_reload_to_update_and_never_mixes_files(
    phone: Page, live_server: Any
) -> None:
    routine = bedtime_routine()
    installed(phone, f"{live_server.url}/routines/")
    [old] = cache_names(phone)
    old_worker = phone.evaluate("() => navigator.serviceWorker.controller.scriptURL")

    routine.title = "Bedtime stretches"  # a content edit: a new precache version
    routine.save()
    phone.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    prompt = phone.locator("#update-prompt")
    expect(prompt).to_contain_text("A new version of Unknot is ready.")
    assert has_waiting_worker(phone)
    # Until the person chooses, the old version answers, from its own cache.
    assert old in cache_names(phone) and len(cache_names(phone)) == 2
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/routines/{routine.slug}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bedtime stretch")
    phone.context.set_offline(False)
    expect(prompt).to_be_visible()  # shown again on the next page while the new one waits

    with phone.expect_navigation():
        prompt.get_by_role("button", name="Reload to update").click()
    [new] = cache_names(phone)
    assert not has_waiting_worker(phone)
    assert new != old
    assert phone.evaluate("() => navigator.serviceWorker.controller.scriptURL") == old_worker
    expect(phone.locator("#update-prompt")).to_have_count(0)
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/routines/{routine.slug}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bedtime stretches")


def test_the_iphone_guide_opens_in_safari_and_stays_closed_elsewhere(
    browser: Browser, phone: Page, live_server: Any, sam: AbstractBaseUser, vapid: str
) -> None:
    sign_in_browser(phone.context, live_server.url, sam)
    phone.goto(f"{live_server.url}/push/devices/")
    guide = phone.locator("#ios-install")
    expect(guide).to_be_visible()
    assert guide.evaluate("(d) => d.open") is False

    iphone = browser.new_context(user_agent=IPHONE_UA, viewport={"width": 390, "height": 844})
    try:
        sign_in_browser(iphone, live_server.url, sam)
        page = iphone.new_page()
        page.goto(f"{live_server.url}/push/devices/")
        guide = page.locator("#ios-install")
        expect(guide).to_have_attribute("open", "")
        expect(guide.get_by_text("Add to Home Screen")).to_be_visible()
    finally:
        iphone.close()


def test_a_saved_page_opened_online_again_is_kept_fresh_for_offline(
    phone: Page, live_server: Any, sam: AbstractBaseUser
) -> None:
    """Installed as a guest, then signed in: offline, the library shows the person signed in
    (its copy was replaced on the next visit online)."""
    installed(phone, f"{live_server.url}/routines/")
    sign_in_browser(phone.context, live_server.url, sam)
    phone.goto(f"{live_server.url}/routines/")
    expect(phone.get_by_role("button", name="Log out sam")).to_be_visible()
    phone.wait_for_function(  # the copy is replaced once the page has arrived
        """async () => {
          const cache = await caches.open((await caches.keys())[0]);
          const copy = await cache.match("/routines/");
          return (await copy.text()).includes("Log out sam");
        }"""
    )
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/routines/")
    expect(phone.get_by_role("button", name="Log out sam")).to_be_visible()
