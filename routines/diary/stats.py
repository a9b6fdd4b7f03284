"""Counting for the diary's insights and the history, pure: no Django, no models.

Everything is counted in the person's local time: a week starts on Monday at local midnight,
and "night" is the local hour. Callers pass aware datetimes and the person's zone.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from routines.diary.rules import needs_seeing_today

#: The charts and the frequency rules look back this many weeks (this week included).
WEEKS = 12
#: Parts of the day, by local hour: (name, first hour, hour after the last).
DAY_PARTS: tuple[tuple[str, int, int], ...] = (
    ("Night, 0 to 6", 0, 6),
    ("Morning, 6 to 12", 6, 12),
    ("Afternoon, 12 to 18", 12, 18),
    ("Evening, 18 to 24", 18, 24),
)
#: The brief's frequency rules: night cramps in each of the last 4 weeks, or 3 or more
#: cramps in the last 7 days, suggest seeing a doctor.
NIGHTLY_WEEKS = 4
CRAMPS_A_WEEK = 3
#: A long cramp calls for being seen *today*: its advice shows for a day after it started.
LONG_CRAMP_SHOWN_FOR = dt.timedelta(hours=24)


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def recent_weeks(today: dt.date, weeks: int = WEEKS) -> list[dt.date]:
    """The Mondays of the last `weeks` weeks, oldest first, this week last."""
    this_week = week_start(today)
    return [this_week - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def per_week(
    moments: Iterable[dt.datetime], zone: ZoneInfo, today: dt.date, weeks: int = WEEKS
) -> list[tuple[dt.date, int]]:
    """How many of `moments` fall in each of the last `weeks` local weeks (Monday first)."""
    mondays = recent_weeks(today, weeks)
    counts = Counter(week_start(m.astimezone(zone).date()) for m in moments)
    return [(monday, counts.get(monday, 0)) for monday in mondays]


def sum_per_week(
    amounts: Iterable[tuple[dt.datetime, float]],
    zone: ZoneInfo,
    today: dt.date,
    weeks: int = WEEKS,
) -> list[tuple[dt.date, float]]:
    """The sum of the amounts whose moment falls in each of the last `weeks` local weeks."""
    mondays = recent_weeks(today, weeks)
    totals: dict[dt.date, float] = {}
    for moment, amount in amounts:
        monday = week_start(moment.astimezone(zone).date())
        totals[monday] = totals.get(monday, 0) + amount
    return [(monday, totals.get(monday, 0)) for monday in mondays]


def by_day_part(moments: Iterable[dt.datetime], zone: ZoneInfo) -> list[tuple[str, int]]:
    """How many of `moments` fall in each part of the local day (DAY_PARTS)."""
    hours = Counter(m.astimezone(zone).hour for m in moments)
    return [
        (name, sum(hours.get(h, 0) for h in range(first, end))) for name, first, end in DAY_PARTS
    ]


def streak(days: Iterable[dt.date], today: dt.date) -> int:
    """Days in a row, up to today, with something done. A streak is still alive today if it
    reached yesterday (today is not over yet)."""
    done = set(days)
    day = today if today in done else today - dt.timedelta(days=1)
    count = 0
    while day in done:
        count += 1
        day -= dt.timedelta(days=1)
    return count


@dataclass(frozen=True)
class Cramp:
    """What the rules need of one diary entry."""

    started_at: dt.datetime
    at_night: bool
    lasted_minutes: int | None


@dataclass(frozen=True)
class Advice:
    """A calm card on the insights page: a heading, why, and how urgent."""

    key: str
    reason: str
    today: bool = False


def advice(cramps: Sequence[Cramp], now: dt.datetime) -> list[Advice]:
    """The brief's frequency rules applied to the person's cramps (any order), most urgent
    first: a long cramp in the last day ("get seen today"), then a night cramp in each of the
    last NIGHTLY_WEEKS rolling 7-day windows, or CRAMPS_A_WEEK or more in the last 7 days
    ("consider seeing a doctor")."""
    found: list[Advice] = []
    long_ones = [
        c
        for c in cramps
        if needs_seeing_today(c.lasted_minutes)
        and now - LONG_CRAMP_SHOWN_FOR <= c.started_at <= now
    ]
    if long_ones:
        found.append(
            Advice(
                "long",
                f"You logged a cramp that lasted {max(c.lasted_minutes or 0 for c in long_ones)}"
                " minutes.",
                today=True,
            )
        )
    nights = [c.started_at for c in cramps if c.at_night]
    week = dt.timedelta(days=7)
    if all(
        any(now - (n + 1) * week < moment <= now - n * week for moment in nights)
        for n in range(NIGHTLY_WEEKS)
    ):
        found.append(
            Advice(
                "nightly",
                f"Cramps woke you at night at least once a week for {NIGHTLY_WEEKS} weeks.",
            )
        )
    last_week = [c for c in cramps if now - dt.timedelta(days=7) < c.started_at <= now]
    if len(last_week) >= CRAMPS_A_WEEK:
        found.append(Advice("often", f"You logged {len(last_week)} cramps in the last 7 days."))
    return found
