"""The private calendar feed: a person's reminders as iCalendar events with alarms, for the
phone's own calendar."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import caches
from django.urls import reverse
from icalendar import (
    Alarm,
    Calendar,
    Event,
    Timezone,
    vDDDTypes,
    vDuration,
    vRecur,
    vText,
    vUri,
)

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


def _rule(weekdays: list[int]) -> vRecur:
    """Every day (FREQ=DAILY), or weekly on some weekdays (FREQ=WEEKLY;BYDAY=...): the two
    rules every phone calendar expands the same way."""
    if len(weekdays) == 7:
        return vRecur(freq="DAILY")
    return vRecur(freq="WEEKLY", byday=[ICS_DAYS[day] for day in weekdays])


def _fitting(
    profile: Profile, reminders: Iterable[Reminder], max_events: int
) -> tuple[list[tuple[Reminder, tuple[dt.time, ...]]], list[Reminder]]:
    """The enabled reminders with their allowed times, oldest first, as many as fit in
    `max_events` events (whole reminders: a reminder is in the feed with all its times or not
    at all); and the reminders left out."""
    kept: list[tuple[Reminder, tuple[dt.time, ...]]] = []
    left_out: list[Reminder] = []
    count = 0
    ordered = sorted(
        (r for r in reminders if r.enabled and r.weekdays),
        key=lambda r: (r.created is None, r.created, r.pk or 0),
    )
    for reminder in ordered:
        times = reminder.schedule_for(profile).allowed_times
        if not times:
            continue
        if count + len(times) > max_events:
            left_out.append(reminder)
            continue
        count += len(times)
        kept.append((reminder, times))
    return kept, left_out


def build_calendar(
    profile: Profile,
    reminders: Iterable[Reminder],
    site_url: str,
    now: dt.datetime,
    max_events: int | None = None,
) -> Calendar:
    """The person's enabled reminders as an iCalendar.

    Each allowed local time of a reminder (its fixed times, or every step of its interval
    window, without those in quiet hours or, for water, the two hours before bedtime; see
    `Schedule.allowed_times`) is one event that repeats every day (RRULE FREQ=DAILY) or weekly
    on the reminder's weekdays (FREQ=WEEKLY;BYDAY=...), in the person's zone (TZID, with its
    VTIMEZONE, so the wall-clock time holds across DST changes), with a display alarm at its
    start. Phone calendars (Apple, Google, Outlook) all expand daily and weekly rules; minutely
    rules, and BYHOUR/BYMINUTE lists, are ignored or expanded badly by several of them, so an
    interval schedule is spelt out as one event per time of day.

    At most `max_events` events (CALENDAR_FEED_MAX_EVENTS): whole reminders, oldest first,
    as many as fit. If some are left out, an all-day note on the day the feed is built says
    so, and so does the calendar's description (X-WR-CALDESC).
    """
    if max_events is None:
        max_events = settings.CALENDAR_FEED_MAX_EVENTS
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
    kept, left_out = _fitting(profile, reminders, max_events)
    if kept:
        first = min(_first_day(reminder, profile, zone, now) for reminder, _ in kept)
        # The zone's VTIMEZONE from a year before the first event: calendars need the rules
        # in force at DTSTART, and every change after it.
        calendar.add_component(
            Timezone.from_tzinfo(zone, tzid=zone.key, first_date=first - dt.timedelta(days=366))
        )
    if left_out:
        note = _left_out_note(profile, left_out, site_url, now, max_events)
        calendar.add("x-wr-caldesc", str(note["DESCRIPTION"]))
        calendar.add_component(note)
    # The properties (and the alarm) every event of a reminder shares are made once per
    # reminder and only written out per event: most of a feed's cost is icalendar's
    # serialisation, per event (bench/calendar_feed.py). The calendar is built to be written
    # out once, never edited, so sharing the objects is safe.
    length = vDuration(EVENT_LENGTH)
    transparent = vText("TRANSPARENT")
    for reminder, times in kept:
        day = _first_day(reminder, profile, zone, now)
        url = site_url + reminder.open_url()
        shared = {
            "dtstamp": vDDDTypes((reminder.updated or now).astimezone(dt.UTC)),
            "summary": vText(reminder.title),
            "description": vText(f"{schedule_words(reminder)}. Open Unknot: {url}"),
            "url": vUri(url),
            "rrule": _rule(weekdays_from_mask(reminder.weekdays)),
        }
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", reminder.title)
        alarm.add("trigger", dt.timedelta(0))
        for t in times:
            event = Event()
            event.add("uid", f"reminder-{reminder.pk}-{t:%H%M}@unknot")
            for name, value in shared.items():
                event.add(name, value, encode=False)
            event.add("dtstart", dt.datetime.combine(day, t, tzinfo=zone))
            event.add("duration", length, encode=False)
            event.add("transp", transparent, encode=False)
            event.add_component(alarm)
            calendar.add_component(event)
    return calendar


def _left_out_note(
    profile: Profile, left_out: list[Reminder], site_url: str, now: dt.datetime, max_events: int
) -> Event:
    """An all-day event, on the day the feed is built, saying which reminders are not in it."""
    titles = list(dict.fromkeys(reminder.title for reminder in left_out))
    named = ", ".join(titles[:5]) + (" and others" if len(titles) > 5 else "")
    are = "is" if len(left_out) == 1 else "are"
    page = site_url + reverse("reminders")
    note = Event()
    note.add("uid", f"left-out-{profile.pk}@unknot")
    note.add("dtstamp", now)
    note.add("summary", "Some Unknot reminders are not in this calendar")
    note.add(
        "description",
        f"This calendar holds at most {max_events} times of day across your reminders, so "
        f"{len(left_out)} of your reminders {are} left out: {named}. They still reach you "
        f"from Unknot itself. To see them here, keep fewer times a day: {page}",
    )
    note.add("url", page)
    note.add("dtstart", now.astimezone(profile.zone).date())
    note.add("transp", "TRANSPARENT")
    return note


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
        settings.CALENDAR_FEED_MAX_EVENTS,
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
    """The feed as bytes, built once for what it shows (at most CALENDAR_FEED_MAX_EVENTS
    events, about 220 KB and a tenth of a second at the default cap) and then served from the
    "feeds" cache until something in it changes."""
    reminders = list(reminders)
    key = f"calendar-feed:{_fingerprint(profile, reminders, site_url)}"
    cache = caches["feeds"]
    data = cache.get(key)
    if data is None:
        data = build_calendar(profile, reminders, site_url, now).to_ical()
        cache.set(key, data)
    return bytes(data)
