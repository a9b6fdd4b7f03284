"""The private calendar feed: a person's reminders as iCalendar events with alarms, for the
phone's own calendar."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.core.cache import caches
from icalendar import Alarm, Calendar, Event

from routines.accounts.models import Profile
from routines.reminders.models import Reminder
from routines.reminders.schedule import weekdays_from_mask
from routines.reminders.words import schedule_words

#: Each reminder in the calendar feed is an event this long, with an alarm at its start.
EVENT_LENGTH = dt.timedelta(minutes=5)
ICS_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _first_day(reminder: Reminder, profile: Profile, zone: ZoneInfo, now: dt.datetime) -> dt.date:
    """Where a reminder's events start: the day it was made (or the day after a pause), moved
    to the first of its weekdays, so DTSTART is itself an occurrence of the rule."""
    created = reminder.created or now
    day = created.astimezone(zone).date()
    if profile.paused_until is not None and profile.paused_until >= day:
        day = profile.paused_until + dt.timedelta(days=1)
    for _ in range(7):
        if reminder.weekdays & (1 << day.weekday()):
            break
        day += dt.timedelta(days=1)
    return day


def build_calendar(
    profile: Profile, reminders: Iterable[Reminder], site_url: str, now: dt.datetime
) -> Calendar:
    """The person's enabled reminders as an iCalendar.

    Each allowed local time of a reminder (its fixed times, or every step of its interval
    window, without those in quiet hours or, for water, the two hours before bedtime; see
    `Schedule.allowed_times`) is one event that
    repeats weekly on the reminder's weekdays (RRULE FREQ=WEEKLY;BYDAY=...), in the person's
    zone (TZID, with its VTIMEZONE), with a display alarm at its start. Phone calendars
    (Apple, Google, Outlook) handle weekly rules well; minutely rules are ignored or expanded
    badly by several of them, so interval schedules are spelt out as one event per time.
    """
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


def _fingerprint(profile: Profile, reminders: list[Reminder], site_url: str) -> str:
    """Everything a feed shows, hashed: a change to any of it makes a new feed."""
    parts: list[object] = [
        site_url,
        profile.pk,
        profile.timezone,
        profile.quiet_start,
        profile.quiet_end,
        profile.bedtime,
        profile.paused_until,
    ]
    for reminder in reminders:
        routine = reminder.routine
        parts.append(
            (
                reminder.pk,
                reminder.created,
                reminder.updated,
                reminder.enabled,
                reminder.kind,
                reminder.schedule,
                reminder.interval_minutes,
                reminder.window_start,
                reminder.window_end,
                tuple(reminder.fixed_times or ()),
                reminder.weekdays,
                routine and (routine.pk, routine.title, routine.slug, routine.purpose),
            )
        )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def feed(profile: Profile, reminders: Iterable[Reminder], site_url: str, now: dt.datetime) -> bytes:
    """The feed as bytes, built once for what it shows (a person at the reminders cap with
    every time of day has a feed of about 2 MB that takes seconds to build) and then served
    from the "feeds" cache until something in it changes."""
    reminders = list(reminders)
    key = f"calendar-feed:{_fingerprint(profile, reminders, site_url)}"
    cache = caches["feeds"]
    data = cache.get(key)
    if data is None:
        data = build_calendar(profile, reminders, site_url, now).to_ical()
        cache.set(key, data)
    return bytes(data)
