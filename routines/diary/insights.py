"""What the insights and history pages show, gathered in a fixed number of queries whatever
the size of the diary (stats.py counts, charts.py draws)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.db import connection
from django.db.models import Avg, Count, QuerySet
from django.utils.safestring import SafeString, mark_safe

from routines.accounts.models import Profile
from routines.content.library.routines import BEDTIME
from routines.content.models import Purpose, Routine
from routines.diary.charts import BarChart, column_chart, figure, row_chart
from routines.diary.models import Context, CrampEntry, Muscle
from routines.diary.moments import moments_of, rows_of_sql, rows_with_moments
from routines.diary.rows import kept_key, run_lines
from routines.diary.stats import (
    NIGHTLY_WEEKS,
    STRETCH_LOOKBACK_WEEKS,
    STRETCH_WEEKS,
    WEEKS,
    Advice,
    Cramp,
    StretchTrial,
    advice,
    advice_changes_at,
    count_by_day_part,
    count_per_week,
    local_days,
    night_of,
    nightly_weeks,
    recent_weeks,
    streak,
    sum_per_week,
    trial_of,
    trial_start,
    week_start,
)
from routines.player.models import Run
from routines.reminders.models import Reminder, ReminderKind
from routines.reminders.suggested import evening_time

#: How many rated routines the insights list, best first.
TOP_ROUTINES = 5
#: How many finished routines the history lists.
HISTORY_RUNS = 20
#: The streak looks back at most this far (a longer one shows as "a year or more").
STREAK_LOOKBACK_DAYS = 366


def _week_label(monday: dt.date) -> str:
    return f"{monday.day} {monday:%b}"


@dataclass(frozen=True)
class HelpfulRoutine:
    title: str
    average: float
    ratings: int


@dataclass(frozen=True)
class Insights:
    weeks_chart: BarChart
    day_chart: BarChart
    muscle_chart: BarChart
    advice: list[Advice]
    total: int
    #: Weeks of nightly bedtime stretching compared with the weeks before, if there were some.
    trial: StretchTrial | None
    #: The bedtime stretches' reminder, offered when night cramps come weekly and the person
    #: has none turned on and is not already stretching nightly (`trial`): the time the form
    #: is pre-filled with ("HH:MM"), or "".
    offer_bedtime_at: str

    @property
    def figures(self) -> SafeString:
        """The three charts' figures (charts.py `figure`, every text escaped)."""
        return mark_safe(
            "\n".join(
                figure(chart, id)
                for chart, id in (
                    (self.weeks_chart, "weeks"),
                    (self.day_chart, "day"),
                    (self.muscle_chart, "muscle"),
                )
            )
        )

    @property
    def offer_bedtime(self) -> bool:
        return bool(self.offer_bedtime_at)

    @property
    def seen_today(self) -> list[Advice]:
        return [a for a in self.advice if a.today]

    @property
    def see_a_doctor(self) -> list[Advice]:
        return [a for a in self.advice if not a.today]


@dataclass(frozen=True)
class Moment:
    """What the insights page says of this very moment: the advice cards (their rules count
    back from now, to the second)."""

    advice: list[Advice]
    #: When the advice may next change with the clock alone (None: not with the clock).
    until: dt.datetime | None


def bedtime_reminder_on(user: Any) -> bool:
    """Whether the person has the bedtime stretches' reminder on (the insights offer it if
    not): one statement from the reminders' user index, written once per process (the ORM's
    would be compiled on every view)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _bedtime_sql(connection.vendor),
            [user.pk, ReminderKind.STRETCH.value, True, BEDTIME.slug],
        )
        return cursor.fetchone() is not None


@functools.cache
def _bedtime_sql(vendor: str) -> str:
    """`bedtime_reminder_on`'s statement for the database `vendor` (its quoting of names)."""
    quote = connection.ops.quote_name
    reminders, routines = Reminder._meta, Routine._meta
    column = {f.name: quote(f.column) for f in reminders.concrete_fields}
    return (
        f"SELECT 1 FROM {quote(reminders.db_table)} WHERE {column['user']} = %s"
        f" AND {column['kind']} = %s AND {column['enabled']} = %s AND {column['routine']} IN"
        f" (SELECT {quote(routines.pk.column)} FROM {quote(routines.db_table)}"
        f" WHERE {quote(routines.get_field('slug').column)} = %s) LIMIT 1"
    )


def _moment(rows: list[tuple[Any, ...]], now: dt.datetime) -> Moment:
    """The Moment of `rows` (started_at, context, lasted_minutes): every cramp that started
    less than NIGHTLY_WEEKS weeks before `now`, and any after it."""
    cramps = [Cramp(row[0], row[1] == Context.NIGHT, row[2]) for row in rows]
    return Moment(advice(cramps, now), advice_changes_at(cramps, now))


def stretching_weeks(user: Any, profile: Profile, now: dt.datetime) -> list[dt.date]:
    """The Mondays of the person's latest weeks of nightly bedtime stretching (`nightly_weeks`):
    their finished bedtime runs of the last STRETCH_LOOKBACK_WEEKS weeks (one query)."""
    zone = profile.zone
    today = profile.today(now)
    lookback = profile.day_start(
        week_start(today) - dt.timedelta(weeks=STRETCH_LOOKBACK_WEEKS + STRETCH_WEEKS)
    )
    stretched = Run.objects.filter(
        user=user,
        routine_slug=BEDTIME.slug,
        finished_at__isnull=False,
        ended_early=False,
        started_at__gte=lookback,
    ).order_by()
    return nightly_weeks(
        (night_of(moment, zone) for moment in moments_of(stretched.values_list("started_at"))),
        today,
    )


def helpful_routines(user: Any) -> list[HelpfulRoutine]:
    """The routines the person rated most helpful, best first (one query)."""
    rated = (
        Run.objects.filter(user=user, rating__isnull=False)
        .values("routine_title")
        .annotate(average=Avg("rating"), ratings=Count("rating"))
        .order_by("-average", "-ratings", "routine_title")[:TOP_ROUTINES]
    )
    return [
        HelpfulRoutine(r["routine_title"], round(float(r["average"]), 1), r["ratings"])
        for r in rated
    ]


def insight_rows(
    user: Any, profile: Profile, now: dt.datetime, nightly: list[dt.date]
) -> list[tuple[Any, ...]]:
    """What the insights show of the person's cramps, (started_at, muscle, context,
    lasted_minutes), from the first day they count (`insights_from`) on (one query). The
    rows depend on the diary, the local date, the zone and the weeks of nightly bedtime
    stretching `nightly` (`stretching_weeks`) alone: the first day counted is always earlier
    than the advice's NIGHTLY_WEEKS weeks."""
    today = profile.today(now)
    first_week = recent_weeks(today)[0]
    first_day = min(first_week, trial_start(nightly)) if nightly else first_week
    return cramp_rows(
        user,
        ("started_at", "muscle", "context", "lasted_minutes"),
        profile.day_start(first_day),
        ordered=True,
    )


def cramp_rows(
    user: Any,
    columns: tuple[str, ...],
    since: dt.datetime,
    until: dt.datetime | None = None,
    *,
    ordered: bool = False,
) -> list[tuple[Any, ...]]:
    """The `columns` (the first a moment, started_at) of the person's cramps that started
    from `since` (and before `until`), in the order they started if `ordered` (one query,
    answered from the list's index (user, started_at))."""
    adapt = connection.ops.adapt_datetimefield_value
    params = (user.pk, adapt(since)) if until is None else (user.pk, adapt(since), adapt(until))
    sql = _cramp_rows_sql(connection.vendor, columns, until is not None, ordered)
    return rows_of_sql(sql, params)


@functools.cache
def _cramp_rows_sql(vendor: str, columns: tuple[str, ...], until: bool, ordered: bool) -> str:
    """The statement of `cramp_rows` (`vendor`: the database quoting the names), written once
    per process: the ORM took longer to write it on every request than the database to
    answer it."""
    quote = connection.ops.quote_name
    meta = CrampEntry._meta
    column = {field.name: quote(field.column) for field in meta.concrete_fields}
    started = column["started_at"]
    where = f"{column['user']} = %s AND {started} >= %s"
    if until:
        where = f"{where} AND {started} < %s"
    chosen = ", ".join(column[name] for name in columns)
    order = f" ORDER BY {started}, {column['id']}" if ordered else ""
    return f"SELECT {chosen} FROM {quote(meta.db_table)} WHERE {where}{order}"


def insights_from(
    rows: list[tuple[Any, ...]],
    profile: Profile,
    now: dt.datetime,
    *,
    reminder: bool,
    nightly: list[dt.date],
) -> tuple[Insights, Moment]:
    """The last WEEKS weeks of the person's diary and the advice at `now`, from their
    `insight_rows`: the charts, the advice's NIGHTLY_WEEKS weeks, and the weeks of nightly
    bedtime stretching `nightly` (`stretching_weeks`) and those before them; `reminder`:
    whether the bedtime stretches' reminder is on. The rated routines are asked apart
    (`helpful_routines`): the page keeps them apart."""
    zone = profile.zone
    today = profile.today(now)
    first_week = recent_weeks(today)[0]
    since = profile.day_start(first_week)
    advised_from = now - dt.timedelta(weeks=NIGHTLY_WEEKS)
    moment = _moment([(row[0], row[2], row[3]) for row in rows if row[0] > advised_from], now)
    # One pass, each cramp's local time worked out once: the local date of every cramp up to
    # now (the trial's), and the dates, hours and muscles of those charted.
    days: list[dt.date] = []
    charted_days: list[dt.date] = []
    hours: list[int] = []
    muscles = dict.fromkeys(Muscle.values, 0)
    for started, muscle, *_ in rows:
        if started > now:
            continue
        local = started.astimezone(zone)
        day = local.date()
        days.append(day)
        if started >= since:
            charted_days.append(day)
            hours.append(local.hour)
            muscles[muscle] += 1
    trial = trial_of(nightly, days) if nightly else None
    weeks = count_per_week(charted_days, today)
    cards = moment.advice
    offer_at = ""
    # Someone already stretching nightly is shown how it went instead.
    if trial is None and not reminder and any(card.key == "nightly" for card in cards):
        offer_at = evening_time(profile).strftime("%H:%M")
    made = Insights(
        weeks_chart=column_chart(
            "Cramps per week", "cramps", [(_week_label(m), n) for m, n in weeks]
        ),
        day_chart=row_chart("By time of day", "cramps", count_by_day_part(hours)),
        muscle_chart=row_chart(
            "By muscle", "cramps", [(Muscle(value).label, n) for value, n in muscles.items()]
        ),
        advice=cards,
        total=len(charted_days),
        trial=trial,
        offer_bedtime_at=offer_at,
    )
    return made, moment


@dataclass(frozen=True)
class Totals:
    """The history's streak and minutes per week: the finished runs' times alone, which a
    rating leaves as they were (freshness.py "finished")."""

    streak: int
    streak_capped: bool
    minutes_chart: BarChart

    @property
    def minutes_figure(self) -> SafeString:
        """The minutes chart's figure (charts.py `figure`, every text escaped)."""
        return mark_safe(figure(self.minutes_chart, "minutes"))


def _minutes(started: dt.datetime, finished: dt.datetime | None, paused_ms: int) -> float:
    if finished is None:  # only finished runs are asked for
        return 0.0
    spent = (finished - started).total_seconds() - paused_ms / 1000
    return max(0.0, spent / 60)


def _finished(user: Any) -> QuerySet[Run]:
    return Run.objects.filter(user=user, finished_at__isnull=False).order_by()


def history_runs(user: Any, profile: Profile, kept: BaseCache | None = None) -> list[SafeString]:
    """The last HISTORY_RUNS routines followed to the end, newest first, as HTML list items
    (one query); with a cache `kept`, the lines of runs unchanged since the last time are
    reused (rows.py `made_again`)."""
    recent = _finished(user).filter(ended_early=False).order_by("-started_at")[:HISTORY_RUNS]
    rows = rows_with_moments(
        recent.values_list(
            "id", "routine_title", "started_at", "finished_at", "total_paused_ms", "rating"
        ),
        (2, 3),
        uuids=(0,),
    )
    return run_lines(
        (
            (run_id, title, started, _minutes(started, ended, paused), rating)
            for run_id, title, started, ended, paused, rating in rows
        ),
        profile.zone,
        kept,
        kept_key("history-runs", user.pk, profile.zone.key),
    )


def history_totals(user: Any, profile: Profile, now: dt.datetime) -> Totals:
    """The prevention streak and minutes per week (two queries, each answered from the runs'
    progress index, reading only the columns they need)."""
    zone = profile.zone
    today = profile.today(now)
    finished = _finished(user)
    since = profile.day_start(recent_weeks(today)[0])
    window = rows_with_moments(
        finished.filter(started_at__gte=since).values_list(
            "started_at", "finished_at", "total_paused_ms"
        ),
        (0, 1),
    )
    lookback = now - dt.timedelta(days=STREAK_LOOKBACK_DAYS)
    prevention = finished.filter(
        ended_early=False, routine__purpose=Purpose.PREVENTION, started_at__gte=lookback
    ).values_list("started_at", flat=True)
    days = streak(local_days(moments_of(prevention), zone), today)
    minutes = sum_per_week(
        ((started, _minutes(started, ended, paused)) for started, ended, paused in window),
        zone,
        today,
    )
    return Totals(
        streak=days,
        streak_capped=days >= STREAK_LOOKBACK_DAYS - 1,
        minutes_chart=column_chart(
            "Minutes per week",
            "minutes",
            [(_week_label(m), round(total)) for m, total in minutes],
        ),
    )


__all__ = [
    "WEEKS",
    "Insights",
    "Moment",
    "Totals",
    "bedtime_reminder_on",
    "cramp_rows",
    "helpful_routines",
    "history_runs",
    "history_totals",
    "insight_rows",
    "insights_from",
    "stretching_weeks",
]
