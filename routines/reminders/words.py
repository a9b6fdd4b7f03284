"""Reminders in words, as the list, the form, the messages and the calendar say them.

Fire times are stored in UTC and always shown in the person's own zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.urls import reverse

from routines.reminders.models import Reminder, ScheduleKind
from routines.reminders.schedule import weekdays_from_mask


def every_words(minutes: int) -> str:
    """120 -> "every 2 hours", 60 -> "every hour", 45 -> "every 45 minutes"."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return "every hour" if hours == 1 else f"every {hours} hours"
    return f"every {minutes} minutes"


def days_words(mask: int) -> str:
    """The weekdays of a bitmask in a few words: "every day", "Monday to Friday", "on Tue and
    Thu"."""
    days = weekdays_from_mask(mask)
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    if len(days) == 7:
        return "every day"
    if days == [0, 1, 2, 3, 4]:
        return "Monday to Friday"
    if days == [5, 6]:
        return "at weekends"
    return "on " + and_list([names[day] for day in days])


def and_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def schedule_words(reminder: Reminder) -> str:
    """ "Every 2 hours from 08:00 to 20:00, every day" or "At 08:00 and 18:00, on weekdays"."""
    days = days_words(reminder.weekdays)
    if reminder.schedule == ScheduleKind.INTERVAL and reminder.interval_minutes:
        start = reminder.window_start.strftime("%H:%M") if reminder.window_start else "?"
        end = reminder.window_end.strftime("%H:%M") if reminder.window_end else "?"
        return (
            f"{every_words(reminder.interval_minutes).capitalize()} from {start} to {end}, {days}"
        )
    return f"At {and_list(list(reminder.fixed_times or []))}, {days}"


def local_when(moment: dt.datetime, zone: ZoneInfo, now: dt.datetime) -> str:
    """A fire time as the person reads it, in their zone: "Today at 14:00", "Tomorrow at
    08:00", "Friday at 08:00", "Mon 3 Mar at 08:00"."""
    local = moment.astimezone(zone)
    today = now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days == 0:
        return f"Today at {clock}"
    if days == 1:
        return f"Tomorrow at {clock}"
    if 1 < days < 7:
        return f"{local:%A} at {clock}"
    return f"{local:%a} {local.day} {local:%b} at {clock}"


def in_sentence(when: str) -> str:
    """ "Today at 14:00" as it reads mid-sentence: "today at 14:00" (day names keep capitals)."""
    for word in ("Today", "Tomorrow"):
        if when.startswith(word):
            return word.lower() + when[len(word) :]
    return when


def local_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


#: A pk no row has: the row URLs are reversed once with it, then filled in per row.
_PK_MARK = 9_876_543_210_123


def pk_url(name: str, kwarg: str = "pk", mark: object = _PK_MARK) -> Callable[[object], str]:
    """`reverse(name, kwargs={kwarg: key})` for any key, with one reversal in all: a page with
    many rows reverses each of their URLs once, not once per row. `mark` is a key no row has,
    of the type the route takes (a UUID for a UUID route)."""
    url = reverse(name, kwargs={kwarg: mark})
    head, found, tail = url.partition(str(mark))
    if not found or str(mark) in tail:
        raise ValueError(f"Cannot make {name}'s URLs from {url}.")
    return lambda key: f"{head}{key}{tail}"


@dataclass(frozen=True)
class RowUrls:
    """Where a row's buttons and links go, for every row of one page."""

    toggle: Callable[[int], str]
    snooze: Callable[[int], str]
    edit: Callable[[int], str]
    remove: Callable[[int], str]

    @classmethod
    def for_page(cls) -> RowUrls:
        return cls(
            toggle=pk_url("reminder_toggle"),
            snooze=pk_url("reminder_snooze"),
            edit=pk_url("reminder_edit"),
            remove=pk_url("reminder_confirm_delete"),
        )


@dataclass(frozen=True)
class Row:
    """One reminder as the list shows it."""

    reminder: Reminder
    pk: int
    enabled: bool
    title: str
    schedule: str
    next_time: str
    snoozed: str
    toggle_url: str
    snooze_url: str
    edit_url: str
    remove_url: str


def make_row(
    reminder: Reminder, zone: ZoneInfo, now: dt.datetime, urls: RowUrls | None = None
) -> Row:
    """`urls`: the page's RowUrls, when it has many rows (made here for a single row)."""
    if not reminder.enabled:
        next_time = "Off"
    elif reminder.next_fire_at is None:
        next_time = "No time left to remind you (check quiet hours and days)"
    else:
        next_time = local_when(reminder.next_fire_at, zone, now)
    snoozed = ""
    if reminder.enabled and reminder.snoozed_until and reminder.snoozed_until > now:
        snoozed = f"Snoozed until {in_sentence(local_when(reminder.snoozed_until, zone, now))}"
    urls = urls or RowUrls.for_page()
    pk = reminder.pk
    return Row(
        reminder,
        pk,
        reminder.enabled,
        reminder.title,
        schedule_words(reminder),
        next_time,
        snoozed,
        toggle_url=urls.toggle(pk),
        snooze_url=urls.snooze(pk),
        edit_url=urls.edit(pk),
        remove_url=urls.remove(pk),
    )
