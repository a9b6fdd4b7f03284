"""Time to build the worst-case calendar feed, before and after the cap, in one run.

Run it with `make bench` or `.venv/bin/python bench/calendar_feed.py [--rounds 5]`. The worst
case is a person at the reminders cap (REMINDERS_MAX_PER_ACCOUNT, 50), each reminder every 15
minutes all day with no quiet hours: 96 times a day each. Three builders make its feed, round
robin (one build of each in turn, so a slow moment on the machine hits all three alike), from
unsaved rows (no database: the time is the feed's own work, `to_ical` included):

- before: the feed as it was built until the cap (`_legacy_build` below, kept verbatim):
  one weekly event per time, 4,800 events;
- after, uncapped: today's builder with no cap (shared properties, daily rules), to show what
  the representation alone saves;
- after: today's builder at the default cap (CALENDAR_FEED_MAX_EVENTS, 500).

It prints, for each, the median wall-clock time and the median CPU time of the process
(`time.process_time`: the build is single-threaded, so on a busy machine this is closer to
what it costs on an idle one), the ratio of the CPU medians to "before", and the feed's bytes
and events.
Timings never make it fail; it exits non-zero only when a feed does not read back as an
iCalendar with the expected number of events.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "project.settings_test"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from icalendar import Alarm, Calendar, Event  # noqa: E402

from routines.accounts.models import Profile  # noqa: E402
from routines.reminders.calendar import (  # noqa: E402
    EVENT_LENGTH,
    ICS_DAYS,
    _first_day,
    build_calendar,
)
from routines.reminders.models import Reminder, ReminderKind, ScheduleKind  # noqa: E402
from routines.reminders.schedule import weekdays_from_mask  # noqa: E402
from routines.reminders.words import schedule_words  # noqa: E402

NOW = dt.datetime(2025, 3, 3, 9, 10, tzinfo=dt.UTC)
SITE = "https://unknot.example"


def _legacy_build(
    profile: Profile, reminders: Iterable[Reminder], site_url: str, now: dt.datetime
) -> Calendar:
    """The builder before CALENDAR_FEED_MAX_EVENTS (commit 599ae98), the baseline."""
    zone = profile.zone
    calendar = Calendar()
    calendar.add("prodid", "-//Unknot//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Unknot reminders")
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    first = None
    for reminder in reminders:
        if not reminder.enabled:
            continue
        times = reminder.schedule_for(profile).allowed_times
        days = [ICS_DAYS[day] for day in weekdays_from_mask(reminder.weekdays)]
        if not times or not days:
            continue
        day = _first_day(reminder, profile, zone, now)
        first = day if first is None else min(first, day)
        title = reminder.title
        url = site_url + reminder.open_url()
        for t in times:
            event = Event()
            event.add("uid", f"reminder-{reminder.pk}-{t:%H%M}@unknot")
            event.add("dtstamp", reminder.updated or now)
            event.add("summary", title)
            event.add("description", f"{schedule_words(reminder)}. Open Unknot: {url}")
            event.add("url", url)
            event.add("dtstart", dt.datetime.combine(day, t, tzinfo=zone))
            event.add("duration", EVENT_LENGTH)
            event.add("rrule", {"freq": "weekly", "byday": days})
            event.add("transp", "TRANSPARENT")
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", title)
            alarm.add("trigger", dt.timedelta(0))
            event.add_component(alarm)
            calendar.add_component(event)
    if first is not None:
        calendar.add_missing_timezones(first_date=first - dt.timedelta(days=366))
    return calendar


def worst_case() -> tuple[Profile, list[Reminder]]:
    """A person at the reminders cap, every reminder every 15 minutes all day, no quiet
    hours (equal start and end), unsaved."""
    profile = Profile(pk=7, timezone="Europe/Berlin", quiet_start=dt.time(7), quiet_end=dt.time(7))
    reminders = [
        Reminder(
            pk=number,
            kind=ReminderKind.HYDRATION,
            schedule=ScheduleKind.INTERVAL,
            interval_minutes=15,
            window_start=dt.time(0),
            window_end=dt.time(23, 45),
            created=NOW,
            updated=NOW,
        )
        for number in range(1, settings.REMINDERS_MAX_PER_ACCOUNT + 1)
    ]
    return profile, reminders


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed builds of each feed")
    args = parser.parse_args(argv)
    profile, reminders = worst_case()
    cap = settings.CALENDAR_FEED_MAX_EVENTS
    per_reminder = len(reminders[0].schedule_for(profile).allowed_times)
    builders: dict[str, Callable[[], bytes]] = {
        "before": lambda: _legacy_build(profile, reminders, SITE, NOW).to_ical(),
        "after, uncapped": lambda: build_calendar(
            profile, reminders, SITE, NOW, max_events=10**9
        ).to_ical(),
        f"after (cap {cap})": lambda: build_calendar(profile, reminders, SITE, NOW).to_ical(),
    }
    expected = {
        "before": per_reminder * len(reminders),
        "after, uncapped": per_reminder * len(reminders),
        f"after (cap {cap})": (cap // per_reminder) * per_reminder + 1,  # and the note
    }
    times: dict[str, list[float]] = {name: [] for name in builders}
    cpu: dict[str, list[float]] = {name: [] for name in builders}
    sizes: dict[str, tuple[int, int]] = {}
    for _ in range(args.rounds):
        for name, build in builders.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            data = build()
            times[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
            sizes[name] = (len(data), len(Calendar.from_ical(data).walk("VEVENT")))
    print(
        f"Worst-case feed: {len(reminders)} reminders x {per_reminder} times a day; "
        f"{args.rounds} builds of each, round robin; build + to_ical, no database."
    )
    print(f"{'feed':<18} {'wall':>9} {'CPU':>9} {'CPU vs before':>14} {'bytes':>10} {'events':>7}")
    base = statistics.median(cpu["before"])
    failed = False
    for name, taken in times.items():
        median, median_cpu = statistics.median(taken), statistics.median(cpu[name])
        size, events = sizes[name]
        print(
            f"{name:<18} {median * 1000:>7.0f}ms {median_cpu * 1000:>7.0f}ms "
            f"{median_cpu / base:>13.3f}x {size:>10,} {events:>7,}"
        )
        if events != expected[name]:
            print(f"  {name}: {events} events, expected {expected[name]}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
