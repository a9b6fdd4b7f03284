"""Server time of the diary's pages for a person with three years of records, as ratios to a
bare Django view and to the session+user floor, in one run.

Run it with `.venv/bin/python bench/diary.py [--requests 200] [--warmup 20] [--entries 2000]
[--runs 3000]` (or `make bench`, which runs it through bench/run_all.py). Like bench/pages.py,
whose set-up and timing it reuses, it builds a throwaway SQLite database, loads the library,
gives one person `--entries` diary entries and `--runs` finished routines spread over three
years (the last eight weeks of them nightly bedtime stretches, so the insights page also
compares before and after), and calls the WSGI application in-process (every middleware, no
network).

The diary's pages are kept rendered in parts, each under a key of what it shows
(routines/diary/freshness.py), so each page is measured right after a write and as a repeat
view. Before each timed request of an "after ..." line the bench views the page and then
makes that write (both untimed, `settle`), so the request measures the page right after that
write alone:
"an entry edited" saves one of the person's entries with a new intensity, as the edit form
does: the parts that show entries are made again (those that show no intensity, the insights'
charts and advice, read their cramps again and find them the same); "a cramp logged"
logs a cramp now (and deletes it after the request, untimed, so the other pages find the
diary as it was), so every page that shows entries shows something never seen before (one
more cramp this week: the list, the charts, the advice, the summary), the insights' and the
summary's worst case; "a run rated" rates one of their runs
(the history's last runs and the insights' rated routines are made again, not the streak and
the charts, which go by the finished runs' times). "repeat view" is the page viewed (untimed)
and asked again with nothing changed.

The issue's target: the diary list, history, insights and summary pages within 3x of a bare
view measured in the same run. A bare view loads no session and no user, which alone costs
about 4x: the verdict compares each page with the floor (a view that only loads the session
and the user, the least any signed-in page does), as bench/pages.py does for signed-in pages;
"x baseline" is printed too. Timings never make this script fail; it exits non-zero only when
a page does not answer 200.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import gzip
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import Page, call, configure, load_content  # noqa: E402

#: The target: each diary page within this many times the signed-in floor.
TARGET_RATIO = 3.0
YEARS_DAYS = 3 * 365


def give_three_years(entries: int, runs: int) -> tuple[Any, str]:
    """A person in Berlin with `entries` cramps and `runs` finished routines over three years,
    and a session cookie for them."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from routines.accounts.models import Profile
    from routines.content.library.routines import BEDTIME
    from routines.content.models import Purpose, Routine
    from routines.diary.models import Context, CrampEntry, Muscle, Side
    from routines.player.models import Run
    from tests.helpers.reminders import make_reminder

    user = get_user_model().objects.create_user("bench-diary", password="bench-Pass-91")
    Profile.objects.create(user=user, timezone="Europe/Berlin")
    now = timezone.now()
    start = now - dt.timedelta(days=YEARS_DAYS)
    muscles, sides, contexts = Muscle.values, Side.values, [*Context.values, ""]
    routines = list(Routine.objects.published().filter(purpose=Purpose.PREVENTION)[:6])
    bedtime = Routine.objects.get(slug=BEDTIME.slug)
    template = Run.begin(bedtime, user=user, lead_in=False, now=start)
    made: list[Run] = []
    nightly = 8 * 7  # the last eight weeks: the bedtime stretches every night
    for n in range(runs - 1):
        if n < nightly:
            routine = bedtime
            at = now - dt.timedelta(days=n + 1, hours=-2)
        else:
            routine = routines[n % len(routines)]
            at = start + dt.timedelta(seconds=(n * YEARS_DAYS * 86400) // runs)
        made.append(
            Run(
                id=uuid.uuid4(),
                routine=routine,
                routine_title=routine.title,
                routine_slug=routine.slug,
                user=user,
                phases=template.phases,
                started_at=at,
                phase_started_at=at,
                phase=len(template.phases),
                finished_at=at + dt.timedelta(minutes=4 + n % 9),
                ended_early=n % 17 == 0,
                rating=1 + n % 5 if n % 3 else None,
            )
        )
    Run.objects.bulk_create(made, batch_size=500)
    CrampEntry.objects.bulk_create(
        (
            CrampEntry(
                user=user,
                started_at=start + dt.timedelta(seconds=(n * YEARS_DAYS * 86400) // entries),
                muscle=muscles[n % len(muscles)],
                side=sides[n % len(sides)],
                intensity=1 + n % 10,
                lasted_minutes=1 + n % 9,
                context=contexts[n % len(contexts)],
                helped="stretching" if n % 4 == 0 else "",
                notes=f"Entry {n}" if n % 5 == 0 else "",
                run=made[n % len(made)] if n % 7 == 0 else None,
            )
            for n in range(entries)
        ),
        batch_size=500,
    )
    for hours in (60, 90, 120):
        make_reminder(user, interval_minutes=hours)
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return user, cookie


@dataclass
class DiaryPage(Page):
    #: A write to the person's diary made before each request (untimed): the page right
    #: after it; none: a repeat view.
    after: Callable[[], None] | None = None
    #: Undone after the request (untimed), so that the next page finds the diary as it was.
    undo: Callable[[], None] | None = None
    #: Viewed (untimed) before its write or repeat view (`settle`): a diary page.
    settled: bool = False


def editor(user: Any) -> Callable[[], None]:
    """A write to the person's entries, as the edit form makes: their latest entry's
    intensity changed and saved."""
    from routines.diary.models import CrampEntry

    entry = CrampEntry.objects.filter(user=user).order_by("-started_at").first()
    assert entry is not None

    def write() -> None:
        entry.intensity = entry.intensity % 10 + 1
        entry.save(update_fields=["intensity", "updated_at"])

    return write


def logger(user: Any) -> tuple[Callable[[], None], Callable[[], None]]:
    """A write to the person's entries that every diary page shows, and its undoing: a cramp
    logged now, as the log form saves it (add_entry), then deleted after the request, as the
    delete button does, so the diary keeps its size and the other pages find it as it was.
    Each time one more cramp this week, at a moment never seen before: in the list, the
    charts, the advice and the summary."""
    from django.utils import timezone

    from routines.diary.models import CrampEntry
    from routines.diary.services import add_entry

    logged: list[CrampEntry] = []

    def write() -> None:
        entry = CrampEntry(
            started_at=timezone.now(), muscle="calf", side="left", intensity=6, context="night"
        )
        logged.append(add_entry(entry, user))

    def undo() -> None:
        logged.pop().delete()

    return write, undo


def rater(user: Any) -> Callable[[], None]:
    """A write to the person's runs, as the rating form makes: their latest run rated anew."""
    from routines.player.models import Run

    run = Run.objects.filter(user=user, finished_at__isnull=False).order_by("-started_at").first()
    assert run is not None

    def write() -> None:
        run.rating = (run.rating or 0) % 5 + 1
        run.save(update_fields=["rating", "updated_at"])

    return write


def settle(app: Any, page: DiaryPage) -> None:
    """The page viewed (untimed) before its write or its repeat view: what the person saw
    last, with every write the other pages made since its last request. So the timed request
    measures the page right after its one write alone, or with nothing changed, not after the
    other pages' writes too (a rating made for the insights would otherwise count in the
    history's "after an entry edited", and a repeat view would not be one)."""
    call(app, page)


def measure(pages: list[DiaryPage], requests: int, warmup: int) -> None:
    """Status and queries of one request of each page, then `requests` timed rounds (round
    robin, so a slow patch of the machine spreads over every page alike)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    app = WSGIHandler()
    for page in pages:
        call(app, page)  # what a repeat view finds: the public parts and the page kept
        if page.after:
            page.after()
        count = 0

        def counter(execute: Callable[..., Any], *args: Any) -> Any:
            nonlocal count
            count += 1
            return execute(*args)

        with connection.execute_wrapper(counter):
            page.status, body = call(app, page)
        if page.undo:
            page.undo()
        page.queries = count
        page.html_gzip = len(gzip.compress(body, compresslevel=9))
    for _ in range(warmup):
        for page in pages:
            if page.settled:
                settle(app, page)
            if page.after:
                page.after()
            call(app, page)
            if page.undo:
                page.undo()
    gc.collect()
    for _ in range(requests):
        for page in pages:
            if page.settled:
                settle(app, page)
            if page.after:
                page.after()
            start = time.perf_counter_ns()
            call(app, page)
            page.times_ns.append(time.perf_counter_ns() - start)
            if page.undo:
                page.undo()


def report(pages: list[DiaryPage], requests: int, entries: int, runs: int) -> None:
    import django

    print(
        f"Unknot diary benchmark: {requests} requests per page after warm-up; "
        f"Python {platform.python_version()}, Django {django.get_version()}, SQLite."
    )
    print(f"One person with {entries:,} diary entries and {runs:,} runs over three years.")
    print()
    baseline = statistics.median(pages[0].times_ns)
    floor = statistics.median(pages[1].times_ns)
    header = (
        f"{'page':<55} {'median ms':>10} {'p90 ms':>8} {'x baseline':>11} {'x floor':>8} "
        f"{'queries':>8}  target {TARGET_RATIO:g}x floor"
    )
    print(header)
    print("-" * len(header))
    for page in pages:
        median = statistics.median(page.times_ns)
        p90 = statistics.quantiles(page.times_ns, n=10)[-1]
        ratio = median / floor
        verdict = "-" if page in pages[:2] else ("meets" if ratio <= TARGET_RATIO else "misses")
        print(
            f"{page.name:<55} {median / 1e6:>10.3f} {p90 / 1e6:>8.3f} {median / baseline:>11.2f} "
            f"{ratio:>8.2f} {page.queries:>8}  {verdict}"
        )
    print()
    print(
        "after ...: that write made (untimed) before each request, so the parts of a page that"
        " show it are made again; repeat view: asked again, nothing changed."
        " Queries include the session and the user."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument("--entries", type=int, default=2000, help="diary entries")
    parser.add_argument("--runs", type=int, default=3000, help="finished routines")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="unknot-bench-diary-"))
    try:
        configure(workdir / "bench.sqlite3")
        load_content(0)
        user, cookie = give_three_years(args.entries, max(args.runs, 2))
        me = {"HTTP_COOKIE": cookie}
        pages = [
            DiaryPage("baseline", "/__bench__/baseline/"),
            DiaryPage("floor signed in", "/__bench__/floor/", headers=me, signed_in=True),
        ]
        edit, rate, (log, unlog) = editor(user), rater(user), logger(user)
        edited, logged = ("an entry edited", edit), ("a cramp logged", log)
        for name, path, query, writes in (
            ("diary list", "/diary/", "", (edited, logged)),
            ("diary list, page 30", "/diary/", "page=30", (edited, logged)),
            # The history shows runs, not entries: an edited entry leaves it as it was.
            ("history", "/diary/history/", "", (edited, ("a run rated", rate))),
            ("insights", "/diary/insights/", "", (edited, logged, ("a run rated", rate))),
            ("summary (12 weeks)", "/diary/summary/", "", (edited, logged)),
        ):
            for how, write in (*writes, ("", None)):
                label = f"after {how}" if write else "repeat view"
                pages.append(
                    DiaryPage(
                        f"{name}, {label}",
                        path,
                        query,
                        headers=me,
                        signed_in=True,
                        after=write,
                        undo=unlog if write is log else None,
                        settled=True,
                    )
                )
        measure(pages, max(args.requests, 2), args.warmup)
        report(pages, args.requests, args.entries, args.runs)
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
