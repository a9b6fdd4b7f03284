"""What the phone-sized browser tests share (the `phone` fixture is in tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

from .people import signed_in

#: Where screenshots go, for a person to look at (nothing compares them).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screens"


def record_console_errors(page: Page) -> list[str]:
    """A list that gathers, from now on, the page's console errors (each with where it came
    from) and uncaught exceptions: a CSP violation, a script error, a failed request."""
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error" and not _offline_tab_icon(msg):
            errors.append(f"{msg.text} {msg.location}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


#: The tab icons a page names (templates/base.html): /favicon.ico and img/icon.svg.
_TAB_ICON = re.compile(r"/(favicon\.ico|static/img/icon(\.[0-9a-f]+)?\.svg)$")


def _offline_tab_icon(msg: ConsoleMessage) -> bool:
    """Chromium fetches the tab's icon whenever it likes, after the page has loaded: in a test
    that has put the browser offline, that fetch can fail. It is the browser's, not the app's
    (the favicon, or the SVG icon the page names)."""
    url = str(msg.location.get("url", ""))
    return "ERR_INTERNET_DISCONNECTED" in msg.text and bool(_TAB_ICON.search(url))


def shot(
    page: Page,
    name: str,
    *,
    full_page: bool = True,
    caret: Literal["hide", "initial"] = "initial",
) -> None:
    """A screenshot, test-results/screens/<name>.png: the whole page, or the screen only.

    The caret is left as it is by default: hiding it leaves `style=""` on every input, which
    htmx then copies onto swapped-in inputs with the same id, and the CSP (style-src 'self')
    refuses that, failing the page's console check."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page, caret=caret)


def no_horizontal_scroll(page: Page) -> None:
    """The page fits the phone's screen (390px wide, conftest.PHONE): no sideways scrolling."""
    screen = page.viewport_size
    assert screen is not None, "the page has no fixed viewport"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= screen["width"], f"page is {width}px wide on a {screen['width']}px screen"


def sign_in_browser(context: BrowserContext, url: str, user: AbstractBaseUser) -> None:
    """Give the browser (`context`) a session for `user` on the site at `url`, as logging in
    would: the session cookie of a test client that logged in."""
    name = settings.SESSION_COOKIE_NAME
    session = signed_in(user).cookies[name].value
    context.add_cookies([{"name": name, "value": session, "url": url}])


def installed(page: Page, url: str) -> None:
    """Open `url` and wait until the service worker has precached this version and controls
    the page (it claims open pages once it is active)."""
    page.goto(url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def freeze_page_clock(page: Page) -> None:
    """Install Playwright's clock in the page, paused one second from now: the page's timers
    move only when the test moves the clock."""
    start = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    page.clock.install(time=start)
    page.clock.pause_at(start + dt.timedelta(seconds=1))
