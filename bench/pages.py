"""Server time of the public pages, as a ratio to a bare Django view, in one run.

Run it with `make bench` or `.venv/bin/python bench/pages.py [--requests 300] [--warmup 30]
[--routines 200]`. It builds a throwaway SQLite database, fills it, and calls the WSGI
application in-process (the whole middleware stack, no network), so the numbers are the
server's own work: URL routing, middleware, view, queries, template, response.

The figure that matters is the ratio to the baseline (a trivial view rendering a trivial
template through the same stack) because absolute times depend on the machine. The target
is every page within 2x of the baseline. Timings never make this script fail; it exits
non-zero only when a page does not answer 200.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import io
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0
#: Signed-in pages, against the floor: a view that loads the session and the user.
TARGET_FLOOR_RATIO = 3.0

BASELINE_TEMPLATE = (
    "<!doctype html><html lang=en><head><title>{{ title }}</title></head>"
    "<body><p>Hello, {{ name }}.</p></body></html>"
)


def configure(database: Path) -> None:
    """Point Django at the test settings and a fresh SQLite file, then set it up."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings_test"
    # Always the throwaway file, even if the shell has a DATABASE_URL for something else.
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Whitenoise warns that STATIC_ROOT is missing; the test settings serve from the finders.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

    import django
    from django.conf import settings

    django.setup()
    # This module is the URLconf: the project's URLs plus the baseline view.
    settings.ROOT_URLCONF = __name__
    # As in production: whitenoise indexes static files once instead of on every request.
    settings.WHITENOISE_AUTOREFRESH = False

    from django.http import HttpRequest, HttpResponse
    from django.template import engines
    from django.urls import include, path

    template = engines["django"].from_string(BASELINE_TEMPLATE)

    def baseline(request: HttpRequest) -> HttpResponse:
        return HttpResponse(template.render({"title": "Baseline", "name": "bench"}, request))

    def floor(request: HttpRequest) -> HttpResponse:
        """The least a signed-in page does: load the session and the user."""
        name = request.user.get_username()
        return HttpResponse(template.render({"title": "Floor", "name": name}, request))

    globals()["urlpatterns"] = [
        path("__bench__/baseline/", baseline),
        path("__bench__/floor/", floor),
        path("", include("project.urls")),
    ]


def load_content(routines: int) -> list[str]:
    """Migrate, then load the library (if the command exists) and `routines` more routines."""
    from django.core.management import call_command, get_commands

    from tests.factories import make_article, make_many_routines, make_source

    notes = []
    call_command("migrate", verbosity=0, interactive=False)
    if "load_library" in get_commands():
        try:
            call_command("load_library", verbosity=0, stdout=io.StringIO())
            notes.append("load_library: loaded")
        except Exception as exc:  # the bench still runs on generated content
            notes.append(f"load_library failed ({type(exc).__name__}: {exc}); generated only")
    else:
        notes.append("load_library: not available, generated content only")
    make_many_routines(routines, prefix="Bench routine")

    from routines.content.models import LearnArticle

    if not LearnArticle.objects.filter(published=True).exists():
        sources = [make_source(f"Bench source {n}") for n in range(3)]
        make_article(
            "Bench Learn page",
            slug="bench-learn",
            claims=[{"sources": sources[: 1 + n % 3]} for n in range(8)],
        )
        notes.append("no published Learn page: generated one with 8 claims")
    return notes


@dataclass
class Page:
    name: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    #: Empty the page cache before every request: the cost of rendering afresh.
    cold: bool = False
    #: A signed-in page: also compared with the floor (a view that loads session and user).
    signed_in: bool = False
    times_ns: list[int] = field(default_factory=list)
    queries: int = 0
    html_gzip: int = 0
    status: int = 0


def pages_to_measure() -> list[Page]:
    from django.db.models import Case, Count, When

    from routines.content.models import LearnArticle, Routine

    # A generated routine of 12 steps, or (with --routines 0) the library's longest one.
    routine = (
        Routine.objects.published()
        .annotate(n=Count("steps"))
        .order_by(Case(When(slug__startswith="bench-routine-", then=0), default=1), "-n")
        .first()
    )
    article = (
        LearnArticle.objects.filter(published=True)
        .annotate(n=Count("claims"))
        .order_by("-n", "order")
        .first()
    )
    if routine is None or article is None:
        raise SystemExit("No published routine or Learn page to measure.")
    htmx = {"HTTP_HX_REQUEST": "true"}
    signed_in = {"HTTP_COOKIE": signed_in_cookie()}
    return [
        Page("baseline", "/__bench__/baseline/"),
        Page("home", "/"),
        Page("library", "/routines/"),
        Page("library filtered", "/routines/", "situation=bedtime&area=calf"),
        Page("library htmx", "/routines/", "area=calf", htmx),
        Page("routine page", routine.get_absolute_url()),
        Page("learn page", article.get_absolute_url()),
        Page("floor signed in", "/__bench__/floor/", headers=signed_in, signed_in=True),
        Page("home signed in", "/", headers=signed_in, signed_in=True),
        Page("routine signed in", routine.get_absolute_url(), headers=signed_in, signed_in=True),
        Page("library signed in", "/routines/", headers=signed_in, signed_in=True),
        Page("learn signed in", article.get_absolute_url(), headers=signed_in, signed_in=True),
        Page("reminders signed in", "/reminders/", headers=signed_in, signed_in=True),
        Page("hydration signed in", "/hydration/", headers=signed_in, signed_in=True),
        Page("home cold", "/", cold=True),
        Page("library cold", "/routines/", cold=True),
        Page("routine cold", routine.get_absolute_url(), cold=True),
        Page("learn cold", article.get_absolute_url(), cold=True),
    ]


def signed_in_cookie() -> str:
    """A session cookie for a (non-staff) user, as a browser would send it."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, created = get_user_model().objects.get_or_create(username="bench-user")
    if created:
        give_a_history(user)
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def give_a_history(user: Any) -> None:
    """What a signed-in person's pages show: a profile, reminders, glasses today, past runs."""
    from django.utils import timezone

    from routines.accounts.models import Profile
    from routines.content.models import Routine
    from routines.player.models import Run
    from routines.reminders.models import HydrationLog
    from tests.helpers.reminders import make_reminder

    Profile.objects.create(user=user, timezone="Europe/Berlin")
    now = timezone.now()
    for hours in (60, 90, 120, 180, 240):
        make_reminder(user, interval_minutes=hours)
    for _ in range(3):
        HydrationLog.objects.create(user=user, at=now, glasses=1)
    for routine in Routine.objects.published()[:3]:
        Run.begin(routine, user=user, lead_in=False, now=now)


def call(app: Callable[..., Iterable[bytes]], page: Page) -> tuple[int, bytes]:
    """One GET through the WSGI application; returns the status code and the body."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": page.path,
        "QUERY_STRING": page.query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **page.headers,
    }
    statuses: list[str] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        statuses.append(status)

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close:
            close()
    return int(statuses[0].split()[0]), body


def inspect(app: Callable[..., Iterable[bytes]], page: Page) -> None:
    """Status, query count and compressed size of one request (outside the timed runs)."""
    from django.db import connection

    count = 0

    def counter(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal count
        count += 1
        return execute(*args)

    from django.core.cache import cache

    cache.clear()  # the query count of rendering the page afresh
    if page.signed_in:
        call(app, page)  # signed in: what each request runs, the public part being cached
    with connection.execute_wrapper(counter):
        page.status, body = call(app, page)
    page.queries = count
    page.html_gzip = len(gzip.compress(body, compresslevel=9))


def measure(pages: list[Page], requests: int, warmup: int) -> None:
    from django.core.handlers.wsgi import WSGIHandler

    app = WSGIHandler()
    for page in pages:
        inspect(app, page)
    for _ in range(warmup):
        for page in pages:
            call(app, page)
    gc.collect()
    from django.core.cache import cache

    # Round robin, so a slow patch of the machine spreads over every page alike; the pages
    # measured cold go in a round of their own, since they empty the cache the others use.
    for group in ([p for p in pages if not p.cold], [p for p in pages if p.cold]):
        for _ in range(requests):
            for page in group:
                if page.cold:
                    cache.clear()
                start = time.perf_counter_ns()
                call(app, page)
                page.times_ns.append(time.perf_counter_ns() - start)


def report(pages: list[Page], requests: int, notes: list[str]) -> None:
    import django

    from routines.content.models import LearnArticle, Routine, Step

    print(
        f"Unknot page benchmark: {requests} requests per page after warm-up; "
        f"Python {platform.python_version()}, Django {django.get_version()}, SQLite."
    )
    print(
        f"Content: {Routine.objects.published().count()} published routines, "
        f"{Step.objects.count()} steps, "
        f"{LearnArticle.objects.filter(published=True).count()} Learn pages. " + "; ".join(notes)
    )
    print()
    baseline = statistics.median(pages[0].times_ns)
    floors = [p for p in pages if p.path == "/__bench__/floor/"]
    floor = statistics.median(floors[0].times_ns) if floors else baseline
    header = (
        f"{'page':<20} {'median ms':>10} {'p90 ms':>8} {'x baseline':>11} {'x floor':>8} "
        f"{'queries':>8} {'HTML gzip B':>12}  target {TARGET_RATIO:g}x "
        f"(signed in: {TARGET_FLOOR_RATIO:g}x floor)"
    )
    print(header)
    print("-" * len(header))
    print(
        "(queries: rendering the page afresh, but for signed-in pages: a request once the"
        " public part is cached)"
    )
    for page in pages:
        median = statistics.median(page.times_ns)
        p90 = statistics.quantiles(page.times_ns, n=10)[-1]
        ratio = median / baseline
        x_floor = f"{median / floor:>8.2f}" if page.signed_in else f"{'-':>8}"
        if page is pages[0] or page in floors:
            verdict = "-"
        elif page.cold:
            verdict = "(page cache emptied before each request)"
        elif page.signed_in:
            verdict = "meets" if median / floor <= TARGET_FLOOR_RATIO else "misses"
        else:
            verdict = "meets" if ratio <= TARGET_RATIO else "misses"
        print(
            f"{page.name:<20} {median / 1e6:>10.3f} {p90 / 1e6:>8.3f} {ratio:>11.2f} {x_floor} "
            f"{page.queries:>8} {page.html_gzip:>12}  {verdict}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests per page first")
    parser.add_argument("--routines", type=int, default=200, help="generated routines (12 steps)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="unknot-bench-"))
    try:
        configure(workdir / "bench.sqlite3")
        notes = load_content(args.routines)
        pages = pages_to_measure()
        measure(pages, max(args.requests, 2), args.warmup)
        report(pages, args.requests, notes)
        failed = [p for p in pages if p.status != 200]
        for page in failed:
            print(f"{page.name} answered {page.status}, not 200: its numbers mean nothing.")
        return 1 if failed else 0
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
