"""Counting glasses: today against the daily goal, and the last seven days.

"Today" is the person's own local day (Profile.day_start, DST-safe). People on a fluid limit
see counts only: no goal, no target, no bar to fill.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncDate

from routines.accounts.models import Profile
from routines.reminders.models import HydrationLog

WEEK_DAYS = 7


def glasses_by_day(
    user: Any, profile: Profile, first: dt.date, last: dt.date
) -> dict[dt.date, int]:
    """Glasses logged on each local day from `first` to `last` (inclusive); one query."""
    rows = (
        HydrationLog.objects.filter(
            user=user,
            at__gte=profile.day_start(first),
            at__lt=profile.day_start(last + dt.timedelta(days=1)),
        )
        .annotate(day=TruncDate("at", tzinfo=profile.zone))
        .values("day")
        .annotate(total=Sum("glasses"))
        .order_by()
    )
    return {row["day"]: row["total"] for row in rows}


def glasses_on(user: Any, profile: Profile, day: dt.date) -> int:
    """Glasses logged on the local `day`; one query."""
    logs = HydrationLog.objects.filter(
        user=user,
        at__gte=profile.day_start(day),
        at__lt=profile.day_start(day + dt.timedelta(days=1)),
    )
    return int(logs.aggregate(total=Sum("glasses"))["total"] or 0)


@dataclass(frozen=True)
class Day:
    date: dt.date
    glasses: int
    #: None on a fluid limit: no target.
    goal: int | None
    #: "Today", "Yesterday", else "Tue 3 Mar".
    label: str = ""

    @property
    def goal_met(self) -> bool:
        return self.goal is not None and self.glasses >= self.goal


@dataclass(frozen=True)
class Hydration:
    """What the hydration views show: today, and (on the log page) the last seven days."""

    today: Day
    week: list[Day]
    goal: int | None
    restricted: bool


def day_label(date: dt.date, today: dt.date) -> str:
    """ "Today", "Yesterday", else the short date: "Tue 3 Mar"."""
    days = (today - date).days
    if days == 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    return f"{date:%a} {date.day} {date:%b}"


def hydration_summary(
    user: Any, profile: Profile, now: dt.datetime, *, week: bool = True
) -> Hydration:
    today = profile.today(now)
    first = today - dt.timedelta(days=WEEK_DAYS - 1) if week else today
    if week:
        counts = glasses_by_day(user, profile, first, today)
    else:  # today only (the home page): a plain sum, no grouping by local day
        counts = {today: glasses_on(user, profile, today)}
    goal = None if profile.fluid_restriction else profile.hydration_goal
    dates = [first + dt.timedelta(days=offset) for offset in range((today - first).days + 1)]
    days = [
        Day(date=date, glasses=counts.get(date, 0), goal=goal, label=day_label(date, today))
        for date in dates
    ]
    return Hydration(
        today=days[-1],
        week=days if week else [],
        goal=goal,
        restricted=profile.fluid_restriction,
    )


def take_back_one_today(user: Any, profile: Profile, now: dt.datetime) -> bool:
    """Take back the last glass logged today (local day); nothing before today."""
    return HydrationLog.objects.take_back_one(user, profile.day_start(profile.today(now)))
