from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import time_machine
    from django.contrib.auth.models import AbstractBaseUser
    from django.test import Client
    from playwright.sync_api import Browser, BrowserContext, Page

# Playwright's sync API runs an event loop in the main thread; Django's live server and ORM
# calls made by the test itself are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The local push service fixtures (push_receiver, vapid_keys) for every test module.
pytest_plugins = ["tests.push_receiver"]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replaces pytest-base-url's fixture (an instance-method fixture pytest 9 deprecates);
    tests build URLs from `live_server.url`."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": PHONE,
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
        "locale": "en-GB",
    }


# People (tests/helpers/people.py makes more) -------------------------------------------------


@pytest.fixture
def sam() -> AbstractBaseUser:
    """Sam, whose day runs in Berlin (Profile.timezone)."""
    from tests.helpers.people import make_user

    return make_user("sam", timezone="Europe/Berlin")


@pytest.fixture
def robin() -> AbstractBaseUser:
    """Robin, someone else (no profile yet: the app's defaults)."""
    from tests.helpers.people import make_user

    return make_user("robin")


@pytest.fixture
def client_sam(sam: AbstractBaseUser) -> Client:
    """A test client signed in as Sam."""
    from tests.helpers.people import signed_in

    return signed_in(sam)


# The browser --------------------------------------------------------------------------------


@pytest.fixture
def phone(page: Page, live_server: Any) -> Iterator[Page]:
    """The phone-sized page, on the live server, that fails the test on any console error (a
    CSP violation, a script error). A test that expects an error removes it from
    `phone.console_errors` (each is the message and where it came from)."""
    from tests.helpers.browser import record_console_errors

    errors = record_console_errors(page)
    # Playwright's Page has no such attribute: the tests read the list back from the page.
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    assert errors == [], f"console errors: {errors}"


# Content and time ---------------------------------------------------------------------------


@pytest.fixture
def shipped_library(transactional_db: None) -> None:
    """The routines, articles and safety content the app ships (`manage.py load_library`), in
    a database the live server sees."""
    from django.core.management import call_command

    call_command("load_library", verbosity=0)


@pytest.fixture
def clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Coordinates]:
    """Time stands still at the test module's `T0` (an aware datetime) until the test moves it
    (`clock.shift(seconds)`, `clock.move_to(moment)`)."""
    import time_machine

    start = getattr(request.module, "T0", None)
    assert start is not None, f"{request.module.__name__} needs a T0 for the clock fixture"
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _fresh_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with an empty cache (rendered pages are cached per content version)
    and no throttle counts. The throttles' counters are a table outside the models, which a
    transactional test's flush would leave: cleared here. Only where a test has the database."""
    from django.core.cache import cache, caches

    cache.clear()
    caches["feeds"].clear()
    caches["diary"].clear()
    throttled = "django_db" in request.keywords or bool(
        {"db", "transactional_db"} & set(request.fixturenames)
    )
    if throttled:
        request.getfixturevalue("_django_db_helper")  # the database, set up first
        caches["throttle"].clear()
    yield
    cache.clear()
    caches["feeds"].clear()
    caches["diary"].clear()
    if throttled:
        caches["throttle"].clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test means something is missing from the set-up: fail the run."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; failing the run.", red=True)
        session.exitstatus = 1


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts a test opens (phone sizes, signed in or not), closed after it."""
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()
