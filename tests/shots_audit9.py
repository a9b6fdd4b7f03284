"""Screenshots for the issue 9 audit (not part of the suite: run it by path).

.venv/bin/python -m pytest tests/shots_audit9.py -q -p no:randomly
Each page at 390x844 and 360x640, light and dark, into /work/notes/shots/audit9/, and one
contact sheet per page (the four side by side) for judging them together."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .helpers.browser import sign_in_browser
from .test_audit9_layout_browser import finished_run
from .test_offline_browser import IPHONE_UA, installed

pytestmark = pytest.mark.django_db(transaction=True)

LONG = "cramp-over-ten-minutes"
OUT = Path("/work/notes/shots/audit9")
SIZES = ((390, 844), (360, 640))
SCHEMES = ("light", "dark")


def context(browser: Browser, w: int, h: int, scheme: str, **extra: Any) -> BrowserContext:
    return browser.new_context(
        viewport={"width": w, "height": h},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        color_scheme=scheme,  # type: ignore[arg-type]
        **extra,
    )


def snap(page: Page, name: str, w: int, h: int, scheme: str, full: bool = True) -> None:
    page.screenshot(path=OUT / f"{name}-{w}x{h}-{scheme}.png", full_page=full)


def sheet(name: str) -> None:
    from PIL import Image

    parts = [Image.open(OUT / f"{name}-{w}x{h}-{s}.png") for (w, h) in SIZES for s in SCHEMES]
    cap = 1700
    parts = [p.crop((0, 0, p.width, min(p.height, cap))) for p in parts]
    width = sum(p.width for p in parts) + 10 * (len(parts) - 1)
    height = max(p.height for p in parts)
    out = Image.new("RGB", (width, height), (128, 128, 128))
    x = 0
    for p in parts:
        out.paste(p, (x, 0))
        x += p.width + 10
    out.save(OUT / f"sheet-{name}.png")


def freeze(page: Page) -> None:
    start = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    page.clock.install(time=start)
    page.clock.pause_at(start + dt.timedelta(seconds=1))


def test_shots(
    browser: Browser, live_server: Any, shipped_library: None, sam: AbstractBaseUser, vapid: str
) -> None:
    base = live_server.url
    from .helpers.reminders import make_reminder

    make_reminder(sam)
    run = finished_run(sam)
    names: list[str] = []
    for w, h in SIZES:
        for scheme in SCHEMES:
            guest = context(browser, w, h, scheme)
            page = guest.new_page()
            for name, url in (
                ("home-guest", "/"),
                ("library-chips", "/routines/?situation=bedtime"),
                ("routine-page", "/routines/calf-cramp-relief/"),
                ("safety-check", "/routines/calf-cramp-relief/check/"),
                ("outcome-long-cramp", "/routines/calf-cramp-relief/check/?sign=" + LONG),
                ("outcome-emergency", "/routines/calf-cramp-relief/check/?sign=clot-in-lung"),
                ("learn", "/learn/"),
                ("help", "/help/"),
                ("about", "/about/"),
                ("hydration-guest", "/hydration/"),
                ("offline-page", "/offline/"),
            ):
                page.goto(base + url)
                snap(page, name, w, h, scheme)
                names.append(name)
            # The player: running, paused, the End question, ended early.
            page.goto(base + "/routines/calf-cramp-relief/check/")
            freeze(page)
            page.get_by_role("button", name=re.compile("None of these")).tap()
            expect(page).to_have_url(re.compile(r"/runs/[0-9a-f-]+/$"))
            expect(page.locator("#cue-settings")).to_be_visible()
            page.clock.run_for(8_000)
            expect(page.locator("#player-title")).not_to_have_text("Get ready")
            snap(page, "player-running", w, h, scheme, full=False)
            box = page.get_by_role("button", name="Pause").bounding_box()
            assert box
            page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            expect(page.get_by_role("button", name="Resume")).to_be_visible()
            snap(page, "player-paused", w, h, scheme, full=False)
            page.get_by_role("button", name="Resume").tap()
            page.locator("#player-end").tap()
            expect(page.locator("#end-dialog")).to_be_visible()
            snap(page, "player-end-question", w, h, scheme, full=False)
            page.get_by_role("button", name="End routine").tap()
            expect(page.locator("#summary")).to_be_visible()
            snap(page, "summary-ended-early", w, h, scheme)
            names += ["player-running", "player-paused", "player-end-question"]
            names.append("summary-ended-early")
            guest.close()

            signed = context(browser, w, h, scheme)
            sign_in_browser(signed, base, sam)
            page = signed.new_page()
            for name, url in (
                ("home-signed-in", "/"),
                ("summary-done", run.get_absolute_url()),
                ("reminders-form", "/reminders/new/"),
                ("hydration-signed-in", "/hydration/"),
                ("diary", "/diary/"),
            ):
                page.goto(base + url)
                snap(page, name, w, h, scheme)
                names.append(name)
            signed.close()

            iphone = context(browser, w, h, scheme, user_agent=IPHONE_UA)
            sign_in_browser(iphone, base, sam)
            page = iphone.new_page()
            page.goto(base + "/push/devices/")
            expect(page.locator("#ios-install")).to_have_attribute("open", "")
            snap(page, "notifications-iphone", w, h, scheme)
            names.append("notifications-iphone")
            iphone.close()

            off = context(browser, w, h, scheme)
            page = off.new_page()
            installed(page, f"{base}/")
            off.set_offline(True)
            page.goto(f"{base}/routines/bedtime-stretches/")
            freeze(page)
            page.get_by_role("button", name=re.compile("^Start")).first.tap()
            expect(page).to_have_url(re.compile(r"/offline/run/"))
            expect(page.locator("#cue-settings")).to_be_visible()
            page.clock.run_for(8_000)
            snap(page, "offline-player", w, h, scheme, full=False)
            page.locator("#player-end").tap()
            page.get_by_role("button", name="End routine").tap()
            expect(page.locator("#after-note")).to_be_visible()
            snap(page, "offline-end-screen", w, h, scheme)
            names += ["offline-player", "offline-end-screen"]
            off.close()
    for name in dict.fromkeys(names):
        sheet(name)
