"""Counting glasses: today against the daily goal, and the last seven days.

"Today" is the person's own local day (Profile.day_start, DST-safe). People on a fluid limit
see counts only: no goal, no target, no bar to fill.

A guest's glasses are kept in their session (this device only), at most MAX_GUEST_GLASSES of
the last seven days, with no goal (Unknot does not know if they are on a fluid limit); they
become the person's own when they sign up or log in (signals.py), as guest runs do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Sum
from django.db.models.functions import TruncDate

from routines.accounts.models import Profile
from routines.accounts.zones import guest_zone, local_midnight
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
    #: Counted in a guest's session, on this device only.
    guest: bool = False


def day_label(date: dt.date, today: dt.date) -> str:
    """ "Today", "Yesterday", else the short date: "Tue 3 Mar"."""
    days = (today - date).days
    if days == 0:
        return "Today"
    if days == 1:
        return "Yesterday"
    return f"{date:%a} {date.day} {date:%b}"


def week_days(
    first: dt.date, today: dt.date, counts: dict[dt.date, int], goal: int | None
) -> list[Day]:
    """Each day from `first` to `today` with its glasses and its label ("Today", "Tue 3 Mar"):
    the one way a person's and a guest's week are made."""
    dates = [first + dt.timedelta(days=offset) for offset in range((today - first).days + 1)]
    return [
        Day(date=date, glasses=counts.get(date, 0), goal=goal, label=day_label(date, today))
        for date in dates
    ]


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
    days = week_days(first, today, counts, goal)
    return Hydration(
        today=days[-1],
        week=days if week else [],
        goal=goal,
        restricted=profile.fluid_restriction,
    )


def take_back_one_today(user: Any, profile: Profile, now: dt.datetime) -> bool:
    """Take back the last glass logged today (local day); nothing before today."""
    return HydrationLog.objects.take_back_one(user, profile.day_start(profile.today(now)))


# A guest's glasses, in their session ------------------------------------------------------

#: Session key: when a guest logged each glass (Unix times, oldest first).
GUEST_GLASSES = "guest_glasses"
#: A guest's session keeps this many glasses, the newest, from the last seven days.
MAX_GUEST_GLASSES = 80


def _guest_times(session: SessionBase, now: dt.datetime) -> list[float]:
    """The guest's glasses of the last seven days (and none in the future), oldest first."""
    since = (now - dt.timedelta(days=WEEK_DAYS)).timestamp()
    times = session.get(GUEST_GLASSES, [])
    if not isinstance(times, list):
        return []
    return sorted(t for t in times if isinstance(t, int | float) and since <= t <= now.timestamp())


def add_guest_glass(session: SessionBase, now: dt.datetime) -> None:
    """One glass for the guest, now; the oldest goes when the session holds the most it may."""
    session[GUEST_GLASSES] = [*_guest_times(session, now), now.timestamp()][-MAX_GUEST_GLASSES:]


def take_back_guest_glass(session: SessionBase, now: dt.datetime) -> bool:
    """Take back the guest's last glass of today (their local day); False if there is none."""
    times = _guest_times(session, now)
    zone = guest_zone(session)
    day_start = local_midnight(now.astimezone(zone).date(), zone).timestamp()
    if not times or times[-1] < day_start:
        return False
    session[GUEST_GLASSES] = times[:-1]
    return True


def guest_hydration(session: SessionBase, now: dt.datetime, *, week: bool = True) -> Hydration:
    """What the hydration views show a guest: counts on their local days, no goal."""
    zone = guest_zone(session)
    today = now.astimezone(zone).date()
    counts: dict[dt.date, int] = {}
    for stamp in _guest_times(session, now):
        day = dt.datetime.fromtimestamp(stamp, zone).date()
        counts[day] = counts.get(day, 0) + 1
    first = today - dt.timedelta(days=WEEK_DAYS - 1) if week else today
    days = week_days(first, today, counts, None)
    return Hydration(
        today=days[-1], week=days if week else [], goal=None, restricted=False, guest=True
    )


def claim_guest_glasses(session: SessionBase, user: Any, now: dt.datetime) -> int:
    """The guest's glasses become `user`'s (one log each, at the time it was logged); the
    session forgets them. Returns how many moved."""
    times = _guest_times(session, now)
    session.pop(GUEST_GLASSES, None)
    HydrationLog.objects.bulk_create(
        [HydrationLog(user=user, at=dt.datetime.fromtimestamp(t, dt.UTC)) for t in times]
    )
    return len(times)
