"""The one-page summary for a doctor, and the CSV of every entry.

The summary covers a date range (the last 12 weeks unless chosen): cramps per week, muscles,
how long they lasted, how bad they were, the routines tried with their ratings, and the
reminders in use. A fixed number of queries whatever the size of the diary.
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Avg, Count

from routines.accounts.models import Profile
from routines.diary.insights import cramp_rows
from routines.diary.models import Context, CrampEntry, Muscle, Side
from routines.diary.stats import WEEKS, per_week, recent_weeks, week_start
from routines.player.models import Run
from routines.reminders.models import Reminder
from routines.reminders.words import schedule_words

#: The longest range one summary covers.
MAX_RANGE = dt.timedelta(days=366)
#: A spreadsheet runs a cell starting with one of these as a formula: such cells get a
#: leading apostrophe, so they stay text (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Durations are grouped like this on the summary (minutes, upper bound included).
DURATIONS = (
    (1, "1 minute or less"),
    (2, "2 minutes"),
    (5, "3 to 5 minutes"),
    (10, "6 to 10 minutes"),
    (None, "More than 10 minutes"),
)


class RangeForm(forms.Form):
    """From and to (local dates, both included)."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end > self.today:
                self.add_error("end", "The summary can only go up to today.")
            elif start > end:
                self.add_error("start", "“From” is after “To”: swap them.")
            elif end - start > MAX_RANGE:
                self.add_error("start", "One summary covers a year at most.")
        return data


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    return recent_weeks(today)[0], today


@dataclass(frozen=True)
class Summary:
    start: dt.date
    end: dt.date
    total: int
    weeks: list[tuple[dt.date, int]]
    muscles: list[tuple[str, int]]
    sides: list[tuple[str, int]]
    contexts: list[tuple[str, int]]
    durations: list[tuple[str, int]]
    durations_unknown: int
    intensity_median: float | None
    intensity_range: tuple[int, int] | None

    @property
    def weeks_count(self) -> int:
        return len(self.weeks)

    @property
    def per_week_average(self) -> float:
        return round(self.total / max(1, len(self.weeks)), 1)


def _duration_group(minutes: int) -> str:
    for limit, words in DURATIONS:
        if limit is None or minutes <= limit:
            return words
    return DURATIONS[-1][1]


#: The columns of a reminder that `Reminder.title` and `schedule_words` read.
READ = (
    "kind",
    "routine",
    "schedule",
    "interval_minutes",
    "window_start",
    "window_end",
    "fixed_times",
    "weekdays",
)


def reminders_in_use(user: Any) -> list[tuple[str, str]]:
    """The person's reminders that are on: their titles and schedules, in words (one query)."""
    reminders = (
        Reminder.objects.filter(user=user, enabled=True)
        .select_related("routine")
        # Only what the title and the schedule's words read: not every column of the
        # reminder and its routine (their texts, JSON), on every view of the summary.
        .only(*READ, "routine__title")
    )
    return [(reminder.title, schedule_words(reminder)) for reminder in reminders]


def summary_for(user: Any, profile: Profile, start: dt.date, end: dt.date) -> Summary:
    """The cramps of `start` to `end` (local dates, both included): one query. The routines
    tried (`routines_tried`) and the reminders (`reminders_in_use`) are asked apart: the page
    keeps each part under a key of what it shows."""
    zone = profile.zone
    since, until = _instants(profile, start, end)
    rows = cramp_rows(
        user,
        ("started_at", "muscle", "side", "context", "lasted_minutes", "intensity"),
        since,
        until,
    )
    weeks_total = (week_start(end) - week_start(start)).days // 7 + 1
    weeks = per_week((r[0] for r in rows), zone, end, weeks_total)
    muscles = Counter(r[1] for r in rows)
    sides = Counter(r[2] for r in rows)
    contexts = Counter(r[3] for r in rows if r[3])
    lasted = [r[4] for r in rows if r[4] is not None]
    durations = Counter(_duration_group(m) for m in lasted)
    intensities = [r[5] for r in rows]
    return Summary(
        start=start,
        end=end,
        total=len(rows),
        weeks=weeks,
        muscles=[(m.label, muscles[m.value]) for m in Muscle if muscles[m.value]],
        sides=[(s.label, sides[s.value]) for s in Side if sides[s.value]],
        contexts=[(c.label, contexts[c.value]) for c in Context if contexts[c.value]],
        durations=[(words, durations[words]) for _, words in DURATIONS if durations[words]],
        durations_unknown=len(rows) - len(lasted),
        intensity_median=statistics.median(intensities) if intensities else None,
        intensity_range=(min(intensities), max(intensities)) if intensities else None,
    )


def _instants(profile: Profile, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants `start` begins and the day after `end` begins, in the person's zone."""
    return profile.day_start(start), profile.day_start(end + dt.timedelta(days=1))


def routines_tried(
    user: Any, profile: Profile, start: dt.date, end: dt.date
) -> list[dict[str, Any]]:
    """The routines started from `start` to `end` (local dates, both included), how often and
    how they were rated, most followed first (one query)."""
    since, until = _instants(profile, start, end)
    return list(
        Run.objects.filter(user=user, started_at__gte=since, started_at__lt=until)
        .values("routine_title")
        .annotate(runs=Count("*"), rated=Count("rating"), average=Avg("rating"))
        .order_by("-runs", "routine_title")
    )


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


CSV_HEADER = [
    "Started (local time)",
    "Muscle",
    "Side",
    "Intensity (1-10)",
    "Lasted (minutes)",
    "What you were doing",
    "What helped",
    "Notes",
    "Routine followed",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(user: Any, profile: Profile) -> Iterator[str]:
    """Every entry of the person's diary as CSV lines, oldest first (streamed in chunks)."""
    writer = csv.writer(_Echo())
    zone = profile.zone
    yield writer.writerow(CSV_HEADER)
    entries = (
        CrampEntry.objects.filter(user=user)
        .select_related("run")
        .order_by("started_at", "pk")
        .iterator(chunk_size=500)
    )
    for entry in entries:
        yield writer.writerow(
            [
                entry.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                entry.get_muscle_display(),
                entry.get_side_display(),
                entry.intensity,
                entry.lasted_minutes,
                entry.get_context_display() if entry.context else "",
                *(safe_cell(v) for v in (entry.helped, entry.notes)),
                safe_cell(entry.run.routine_title) if entry.run else "",
            ]
        )


__all__ = [
    "WEEKS",
    "RangeForm",
    "Summary",
    "csv_rows",
    "default_range",
    "reminders_in_use",
    "summary_for",
]
