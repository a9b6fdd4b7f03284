"""The calendar feed at the caps: bounded in size (CALENDAR_FEED_MAX_EVENTS), whole reminders
oldest first, a note naming those left out; and the same fire times as the app across DST."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from django.test import Client, override_settings
from django.urls import reverse
from icalendar import Calendar

from routines.accounts.models import Profile
from routines.reminders import schedule
from routines.reminders.calendar import build_calendar
from routines.reminders.models import Reminder, ReminderKind, ScheduleKind

from .helpers.people import make_user
from .helpers.reminders import make_reminder

UTC = dt.UTC
T0 = dt.datetime(2025, 3, 3, 9, 10, tzinfo=UTC)  # Monday 3 March 2025
BERLIN = ZoneInfo("Europe/Berlin")
EVERY_15_ALL_DAY = {
    "schedule": ScheduleKind.INTERVAL,
    "interval_minutes": 15,
    "window_start": dt.time(0),
    "window_end": dt.time(23, 45),
}


def fixed(*times: str, **fields: Any) -> dict[str, Any]:
    return {
        "schedule": ScheduleKind.FIXED,
        "interval_minutes": None,
        "window_start": None,
        "window_end": None,
        "fixed_times": list(times),
        **fields,
    }


def events(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


def reminder_events(calendar: Calendar) -> list[Any]:
    return [event for event in events(calendar) if str(event["UID"]).startswith("reminder-")]


def worst_case_feed() -> bytes:
    """A person at the reminders cap (50), each every 15 minutes all day, no quiet hours:
    unsaved rows with fixed keys and dates, so the bytes are the same on every run."""
    profile = Profile(pk=7, timezone="Europe/Berlin", quiet_start=dt.time(7), quiet_end=dt.time(7))
    reminders = [
        Reminder(
            pk=number,
            kind=ReminderKind.HYDRATION,
            created=T0,
            updated=T0,
            **EVERY_15_ALL_DAY,
        )
        for number in range(1, 51)
    ]
    calendar = build_calendar(profile, reminders, "https://unknot.example", T0, max_events=500)
    return bytes(calendar.to_ical())


def test_the_worst_case_feed_has_a_fixed_size() -> None:
    data = worst_case_feed()
    calendar = Calendar.from_ical(data)
    # 96 times a day each: 5 reminders fit in 500 events (480), the other 45 are left out.
    assert len(reminder_events(calendar)) == 480
    assert len(events(calendar)) == 481  # and the note
    # Before the cap it was 4,800 events and 2,309,045 bytes (bench/calendar_feed.py).
    assert len(data) == 218_829
    assert data == worst_case_feed()


@pytest.mark.django_db
@override_settings(CALENDAR_FEED_MAX_EVENTS=10)
def test_whole_reminders_oldest_first_and_a_note_names_those_left_out(
    client: Client, clock: Any
) -> None:
    owner = make_user("ada", timezone="Europe/Berlin")
    seven = fixed("08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00")
    first = make_reminder(owner, **seven)
    clock.shift(60)
    make_reminder(owner, kind=ReminderKind.STRETCH, **seven)  # 7 more do not fit in 10
    clock.shift(60)
    third = make_reminder(owner, **fixed("15:00", "16:00", "17:00"))  # 3 more do
    token = Profile.for_user(owner).calendar_token

    response = client.get(reverse("calendar_feed", args=[token]))

    calendar = Calendar.from_ical(response.content)
    kept = {str(event["UID"]).split("-")[1] for event in reminder_events(calendar)}
    assert kept == {str(first.pk), str(third.pk)}
    assert len(reminder_events(calendar)) == 10
    [note] = [event for event in events(calendar) if "RRULE" not in event]
    assert str(note["SUMMARY"]) == "Some Unknot reminders are not in this calendar"
    assert note.decoded("dtstart") == dt.date(2025, 3, 3)  # all day, the day it was built
    words = str(note["DESCRIPTION"])
    assert "at most 10 times of day" in words
    assert "1 of your reminders is left out: Stretch." in words
    assert "http://testserver/reminders/" in words
    assert str(calendar["X-WR-CALDESC"]) == words


@pytest.mark.django_db
def test_a_feed_within_the_cap_has_no_note(client: Client, clock: Any) -> None:
    owner = make_user("ada", timezone="Europe/Berlin")
    make_reminder(owner)
    token = Profile.for_user(owner).calendar_token
    calendar = Calendar.from_ical(client.get(reverse("calendar_feed", args=[token])).content)
    assert len(events(calendar)) == 7
    assert all("RRULE" in event for event in events(calendar))
    assert "X-WR-CALDESC" not in calendar


@pytest.mark.django_db
def test_at_the_caps_the_view_serves_the_capped_feed_and_then_its_cache(
    client: Client, clock: Any
) -> None:
    owner = make_user("ada", timezone="Europe/Berlin")
    Profile.objects.filter(user=owner).update(quiet_start=dt.time(7), quiet_end=dt.time(7))
    Reminder.objects.bulk_create(
        Reminder(user=owner, kind=ReminderKind.HYDRATION, **EVERY_15_ALL_DAY) for _ in range(50)
    )
    url = reverse("calendar_feed", args=[Profile.for_user(owner).calendar_token])

    first = client.get(url)

    calendar = Calendar.from_ical(first.content)
    assert len(reminder_events(calendar)) == 480
    assert len(first.content) < 250_000  # was 2.3 MB
    assert "45 of your reminders are left out" in str(calendar["X-WR-CALDESC"])
    assert client.get(url).content == first.content


def expand(calendar: Calendar, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every alarm between `start` and `end`, in UTC, as a calendar app expands the rules:
    the wall-clock time in the event's zone, day after day."""
    found = []
    for event in reminder_events(calendar):
        rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=event.decoded("dtstart"))
        found += [moment.astimezone(UTC) for moment in rule.between(start, end, inc=False)]
    return sorted(found)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("made", "until"),
    [
        # Berlin springs forward on 30 March 2025 and falls back on 26 October 2025.
        (dt.datetime(2025, 3, 27, 12, tzinfo=UTC), dt.datetime(2025, 4, 3, tzinfo=UTC)),
        (dt.datetime(2025, 10, 23, 12, tzinfo=UTC), dt.datetime(2025, 10, 30, tzinfo=UTC)),
    ],
)
def test_across_a_dst_change_the_feed_alarms_when_the_app_does(
    client: Client, made: dt.datetime, until: dt.datetime
) -> None:
    import time_machine

    with time_machine.travel(made, tick=False):
        owner = make_user("ada", timezone="Europe/Berlin")
        Profile.objects.filter(user=owner).update(bedtime=dt.time(22, 30))
        interval = make_reminder(owner, interval_minutes=45, window_start=dt.time(6, 15))
        weekdays = make_reminder(
            owner,
            kind=ReminderKind.STRETCH,
            **fixed("07:30", "12:00", "19:45", weekdays=schedule.weekday_mask([0, 3, 6])),
        )
        token = Profile.for_user(owner).calendar_token
        calendar = Calendar.from_ical(client.get(reverse("calendar_feed", args=[token])).content)

    profile = Profile.for_user(owner)
    expected: list[dt.datetime] = []
    for reminder in (interval, weekdays):
        rules = reminder.schedule_for(profile)
        expected += [
            moment for moment in schedule.upcoming(rules, BERLIN, made, count=200) if moment < until
        ]
    alarms = expand(calendar, made, until)
    assert alarms == sorted(expected)
    # The wall-clock time holds: 07:30 local is 06:30 UTC in winter and 05:30 in summer.
    stretch_at_0730 = {a.astimezone(BERLIN).time() for a in alarms if a.minute == 30}
    assert dt.time(7, 30) in stretch_at_0730
    offsets = {a.astimezone(BERLIN).utcoffset() for a in alarms}
    assert offsets == {dt.timedelta(hours=1), dt.timedelta(hours=2)}
