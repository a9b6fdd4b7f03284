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
    return count_per_week((m.astimezone(zone).date() for m in moments), today, weeks)


def count_per_week(
    days: Iterable[dt.date], today: dt.date, weeks: int = WEEKS
) -> list[tuple[dt.date, int]]:
    """How many of the local dates `days` (repeats count) fall in each of the last `weeks`
    weeks (Monday first)."""
    counts: Counter[dt.date] = Counter()
    for day, count in Counter(days).items():
        counts[week_start(day)] += count
    return [(monday, counts.get(monday, 0)) for monday in recent_weeks(today, weeks)]


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


def local_days(moments: Iterable[dt.datetime], zone: ZoneInfo) -> set[dt.date]:
    """The local dates on which `moments` fall."""
    return {m.astimezone(zone).date() for m in moments}


def by_day_part(moments: Iterable[dt.datetime], zone: ZoneInfo) -> list[tuple[str, int]]:
    """How many of `moments` fall in each part of the local day (DAY_PARTS)."""
    return count_by_day_part(m.astimezone(zone).hour for m in moments)


def count_by_day_part(local_hours: Iterable[int]) -> list[tuple[str, int]]:
    """How many of the local hours `local_hours` (repeats count) fall in each part of the day
    (DAY_PARTS)."""
    hours = Counter(local_hours)
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


def advice_changes_at(cramps: Sequence[Cramp], now: dt.datetime) -> dt.datetime | None:
    """The first moment after `now` at which `advice(cramps, moment)` may say something else
    than at `now`, with no cramp added or changed (None: never). A cramp enters the rules'
    windows when it starts and leaves them LONG_CRAMP_SHOWN_FOR, or a whole number of weeks
    up to NIGHTLY_WEEKS, later; `cramps` must hold every one that started less than
    NIGHTLY_WEEKS weeks before `now` (and any after it)."""
    week = dt.timedelta(days=7)
    steps = (
        dt.timedelta(0),
        LONG_CRAMP_SHOWN_FOR,
        *(n * week for n in range(1, NIGHTLY_WEEKS + 1)),
    )
    later = (c.started_at + step for c in cramps for step in steps)
    return min((moment for moment in later if moment > now), default=None)


# Bedtime stretching, before and after ---------------------------------------------------------

#: The brief's bedtime routine is done nightly for 6 weeks before judging it; a week counts as
#: nightly with the routine finished on at least NIGHTS_A_WEEK of its 7 nights.
STRETCH_WEEKS = 6
NIGHTS_A_WEEK = 5
#: A stretching stretch that ended longer ago than this many weeks is no longer compared.
STRETCH_LOOKBACK_WEEKS = 26
#: A routine done after midnight still belongs to the evening before: a night is the local
#: date of the moment less this many hours.
NIGHT_ENDS_AT_HOUR = 6


def night_of(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The night a moment belongs to: 00:30 on Tuesday is Monday's night."""
    return (moment.astimezone(zone) - dt.timedelta(hours=NIGHT_ENDS_AT_HOUR)).date()


@dataclass(frozen=True)
class StretchTrial:
    """Weeks of nightly bedtime stretching, and the cramps per week before and during them."""

    #: The Monday of the first nightly week, and how many nightly weeks in a row there were.
    began: dt.date
    weeks: int
    #: Cramps in the STRETCH_WEEKS weeks before `began`, and in the nightly weeks.
    cramps_before: int
    cramps_after: int

    @property
    def per_week_before(self) -> float:
        return self.cramps_before / STRETCH_WEEKS

    @property
    def per_week_after(self) -> float:
        return self.cramps_after / self.weeks

    @property
    def improved(self) -> bool:
        """Fewer cramps a week while stretching than before."""
        return self.per_week_after < self.per_week_before

    @property
    def see_a_gp(self) -> bool:
        """The brief: cramps still coming, no fewer, after 6 weeks of nightly stretching."""
        return self.cramps_after > 0 and not self.improved


def nightly_weeks(stretch_nights: Iterable[dt.date], today: dt.date) -> list[dt.date]:
    """The Mondays (newest first) of the latest run of at least STRETCH_WEEKS whole local
    weeks (Monday to Sunday, this unfinished week left out), each with the bedtime routine on
    NIGHTS_A_WEEK nights or more, within the last STRETCH_LOOKBACK_WEEKS weeks; [] if none.

    `stretch_nights`: the nights the routine was finished (`night_of`)."""
    nights = Counter(week_start(day) for day in set(stretch_nights))
    this_week = week_start(today)
    weeks = [this_week - dt.timedelta(weeks=n) for n in range(1, STRETCH_LOOKBACK_WEEKS + 1)]
    run: list[dt.date] = []
    for monday in weeks:  # newest first
        if nights.get(monday, 0) >= NIGHTS_A_WEEK:
            run.append(monday)
            continue
        if len(run) >= STRETCH_WEEKS:
            return run
        run = []
    return run if len(run) >= STRETCH_WEEKS else []


def trial_start(found: Sequence[dt.date]) -> dt.date:
    """The first day whose cramps a trial of the nightly weeks `found` counts (the weeks
    before it are compared with it)."""
    return found[-1] - dt.timedelta(weeks=STRETCH_WEEKS)


def trial_of(found: Sequence[dt.date], cramp_days: Iterable[dt.date]) -> StretchTrial:
    """The trial of the nightly weeks `found` (`nightly_weeks`, not empty); `cramp_days`: the
    local date of each cramp, one per cramp (repeats count)."""
    began, last = found[-1], found[0]
    end = last + dt.timedelta(weeks=1)
    before_from = trial_start(found)
    cramps = list(cramp_days)
    return StretchTrial(
        began=began,
        weeks=len(found),
        cramps_before=sum(1 for day in cramps if before_from <= day < began),
        cramps_after=sum(1 for day in cramps if began <= day < end),
    )


def stretch_trial(
    stretch_nights: Iterable[dt.date], cramp_days: Iterable[dt.date], today: dt.date
) -> StretchTrial | None:
    """The trial of the latest nightly weeks (`nightly_weeks`), None if there are none.

    `stretch_nights`: the nights the routine was finished (`night_of`); `cramp_days`: the
    local date of each cramp, one per cramp (repeats count)."""
    found = nightly_weeks(stretch_nights, today)
    return trial_of(found, cramp_days) if found else None
