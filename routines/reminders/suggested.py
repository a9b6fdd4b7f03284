"""The suggested reminders (the brief's section 5), and a new reminder's starting values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from routines.accounts.models import Profile
from routines.content.library.routines import BEDTIME, DESK_BREAK
from routines.content.models import Purpose, Routine
from routines.reminders.models import Reminder, ReminderKind, ScheduleKind
from routines.reminders.schedule import ALL_WEEKDAYS, Schedule, latest_allowed, parse_time

HYDRATION_EVERY = 120  # about one glass every two hours in waking hours
HYDRATION_FROM = dt.time(8, 0)
HYDRATION_UNTIL = dt.time(20, 0)
DESK_BREAK_EVERY = 60
DESK_BREAK_FROM = dt.time(9, 0)
DESK_BREAK_UNTIL = dt.time(17, 0)
MONDAY_TO_FRIDAY = 0b0011111
#: The bedtime stretches belong right before sleep, but quiet hours start at 21:00 by default
#: and no reminder may break them, so the suggestion is the last quarter-hour before: 20:45.
BEDTIME_ROUTINE_AT = dt.time(20, 45)
BEDTIME_ROUTINE_EARLIEST = dt.time(18, 0)

#: A new reminder's starting values, by kind (the form before the person changes anything).
NEW_DEFAULTS: dict[str, dict[str, Any]] = {
    ReminderKind.HYDRATION: {
        "kind": ReminderKind.HYDRATION,
        "schedule": ScheduleKind.INTERVAL,
        "interval_minutes": HYDRATION_EVERY,
        "window_start": HYDRATION_FROM,
        "window_end": HYDRATION_UNTIL,
    },
    ReminderKind.STRETCH: {
        "kind": ReminderKind.STRETCH,
        "schedule": ScheduleKind.INTERVAL,
        "interval_minutes": DESK_BREAK_EVERY,
        "window_start": DESK_BREAK_FROM,
        "window_end": DESK_BREAK_UNTIL,
        "weekdays": MONDAY_TO_FRIDAY,
    },
}


def new_reminder(user: Any, kind: str, *, routine: str = "", at: str = "") -> Reminder:
    """An unsaved reminder of `kind` (hydration if unknown) with the suggested values.

    For a stretch, `routine` (a published prevention routine's slug) chooses the routine, and
    `at` ("HH:MM") makes it a reminder at that time every day. Values that are not right are
    left out without a word: the person sees the form and can change anything.
    """
    reminder = Reminder(user=user, **NEW_DEFAULTS.get(kind, NEW_DEFAULTS[ReminderKind.HYDRATION]))
    if reminder.kind != ReminderKind.STRETCH:
        return reminder
    if routine:
        reminder.routine = (
            Routine.objects.published().filter(slug=routine, purpose=Purpose.PREVENTION).first()
        )
    if at:
        try:
            time = parse_time(at)
        except ValueError:
            return reminder
        reminder.schedule = ScheduleKind.FIXED
        reminder.fixed_times = [time.strftime("%H:%M")]
        reminder.weekdays = ALL_WEEKDAYS
        reminder.interval_minutes = reminder.window_start = reminder.window_end = None
    return reminder


def evening_time(profile: Profile) -> dt.time:
    """20:45, or the latest quarter-hour back to 18:00 that the person's own quiet hours and
    bedtime allow (a bedtime of 22:00 blocks 20:00-22:00, so 19:45); 20:45 if none does."""
    rules = Schedule(
        times=(),
        quiet_start=profile.quiet_start,
        quiet_end=profile.quiet_end,
        bedtime=profile.bedtime,
    )
    found = latest_allowed(rules, BEDTIME_ROUTINE_AT, BEDTIME_ROUTINE_EARLIEST)
    return found or BEDTIME_ROUTINE_AT


def _library_routine(slug: str) -> Routine | None:
    return Routine.objects.published().filter(slug=slug).first()


def default_reminders(profile: Profile, now: dt.datetime | None = None) -> list[Reminder]:
    """The suggested reminders for a person, unsaved.

    - Hydration every 2 hours from 08:00 to 20:00, every day, on. Left out for anyone on a
      fluid restriction: their clinician sets their fluids, not the app.
    - The desk micro-break every hour from 09:00 to 17:00, Monday to Friday, on.
    - The bedtime stretches once an evening (20:45, see `evening_time`), every day, off: a
      nightly six-week programme is something a person chooses to start.

    A routine missing from the database leaves the stretch reminder without one. With `now`,
    each reminder's `next_fire_at` is filled in; without it, the caller computes it.
    """
    owner = {"user_id": profile.user_id}
    reminders: list[Reminder] = []
    if not profile.fluid_restriction:
        reminders.append(
            Reminder(
                **owner,
                kind=ReminderKind.HYDRATION,
                schedule=ScheduleKind.INTERVAL,
                interval_minutes=HYDRATION_EVERY,
                window_start=HYDRATION_FROM,
                window_end=HYDRATION_UNTIL,
                weekdays=ALL_WEEKDAYS,
                enabled=True,
            )
        )
    reminders.append(
        Reminder(
            **owner,
            kind=ReminderKind.STRETCH,
            routine=_library_routine(DESK_BREAK.slug),
            schedule=ScheduleKind.INTERVAL,
            interval_minutes=DESK_BREAK_EVERY,
            window_start=DESK_BREAK_FROM,
            window_end=DESK_BREAK_UNTIL,
            weekdays=MONDAY_TO_FRIDAY,
            enabled=True,
        )
    )
    reminders.append(
        Reminder(
            **owner,
            kind=ReminderKind.STRETCH,
            routine=_library_routine(BEDTIME.slug),
            schedule=ScheduleKind.FIXED,
            fixed_times=[evening_time(profile).strftime("%H:%M")],
            weekdays=ALL_WEEKDAYS,
            enabled=False,
        )
    )
    if now is not None:
        for reminder in reminders:
            reminder.next_fire_at = reminder.next_fire(profile, now)
    return reminders
