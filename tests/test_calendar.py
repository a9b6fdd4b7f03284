"""The private calendar feed: reminders as daily or weekly recurring events with an alarm, in
the person's zone, read back with icalendar as a phone's calendar would."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from routines.accounts.models import Profile
from routines.content.models import Routine
from routines.reminders import schedule
from routines.reminders.models import ReminderKind, ScheduleKind

from .factories import make_routine
from .helpers.people import make_user
from .helpers.reminders import make_reminder

pytestmark = pytest.mark.django_db

UTC = dt.UTC
T0 = dt.datetime(2025, 3, 3, 9, 10, tzinfo=UTC)  # Monday 3 March 2025
HTMX = {"HTTP_HX_REQUEST": "true"}
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def owner(clock: Any) -> User:
    return make_user("ada", timezone="Europe/Berlin")


@pytest.fixture
def desk() -> Routine:
    return make_routine("Desk micro-break", slug="desk-micro-break")


def feed(client: Client, user: User) -> Calendar:
    token = Profile.for_user(user).calendar_token
    response = client.get(reverse("calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


def starts(calendar: Calendar) -> list[dt.datetime]:
    return sorted(event.decoded("dtstart") for event in events(calendar))


def test_an_interval_reminder_is_one_daily_event_per_time_with_an_alarm(
    client: Client, owner: User
) -> None:
    make_reminder(owner)
    calendar = feed(client, owner)

    assert str(calendar["X-WR-CALNAME"]) == "Unknot reminders"
    found = events(calendar)
    assert len(found) == 7  # 08:00, 10:00, ... 20:00
    assert [start.time() for start in starts(calendar)] == [dt.time(h) for h in range(8, 21, 2)]
    for event in found:
        start = event.decoded("dtstart")
        assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Berlin"
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert start.date() == dt.date(2025, 3, 3)
        rule = event["RRULE"]
        # Every weekday: a daily rule (a reminder on some weekdays is weekly, with BYDAY).
        assert rule["FREQ"] == ["DAILY"]
        assert "BYDAY" not in rule
        assert str(event["SUMMARY"]) == "Drink a glass of water"
        assert event.decoded("duration") == dt.timedelta(minutes=5)
        alarms = event.walk("VALARM")
        assert len(alarms) == 1
        assert str(alarms[0]["ACTION"]) == "DISPLAY"
        assert alarms[0].decoded("trigger") == dt.timedelta(0)
    assert len({str(event["UID"]) for event in found}) == 7
    zones = calendar.walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in zones] == ["Europe/Berlin"]


def test_times_in_quiet_hours_and_water_before_bedtime_are_left_out(
    client: Client, owner: User, desk: Routine
) -> None:
    Profile.objects.filter(user=owner).update(bedtime=dt.time(20, 0))
    fixed = {
        "schedule": ScheduleKind.FIXED,
        "interval_minutes": None,
        "window_start": None,
        "window_end": None,
        "fixed_times": ["06:30", "12:00", "18:30", "22:00"],
    }
    water = make_reminder(owner, **fixed)
    stretch = make_reminder(owner, kind=ReminderKind.STRETCH, routine=desk, **fixed)
    calendar = feed(client, owner)
    by_reminder: dict[str, list[dt.time]] = {}
    for event in events(calendar):
        reminder_id = str(event["UID"]).split("-")[1]
        by_reminder.setdefault(reminder_id, []).append(event.decoded("dtstart").time())
    # 06:30 and 22:00 are in quiet hours (21:00-07:00); 18:30 is in the two hours before
    # bedtime, which are kept free of drinks but not of stretching.
    assert sorted(by_reminder[str(water.pk)]) == [dt.time(12)]
    assert sorted(by_reminder[str(stretch.pk)]) == [dt.time(12), dt.time(18, 30)]
    summaries = {str(event["SUMMARY"]): str(event["URL"]) for event in events(calendar)}
    assert summaries == {
        "Drink a glass of water": "http://testserver/hydration/",
        "Stretch: Desk micro-break": f"http://testserver{desk.get_absolute_url()}",
    }


def test_weekdays_become_byday_and_the_first_event_is_on_one_of_them(
    client: Client, owner: User
) -> None:
    make_reminder(
        owner,
        schedule=ScheduleKind.FIXED,
        interval_minutes=None,
        window_start=None,
        window_end=None,
        fixed_times=["09:00"],
        weekdays=schedule.weekday_mask([1, 3]),  # Tuesday, Thursday
    )
    event = events(feed(client, owner))[0]
    assert event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event["RRULE"]["BYDAY"] == ["TU", "TH"]
    assert event.decoded("dtstart") == dt.datetime(2025, 3, 4, 9, 0, tzinfo=BERLIN)


def test_reminders_that_are_off_and_other_peoples_are_not_in_the_feed(
    client: Client, owner: User
) -> None:
    make_reminder(owner, enabled=False)
    someone = User.objects.create_user("bea", password="tidal-Harbour-47")
    make_reminder(someone)
    calendar = feed(client, owner)
    assert events(calendar) == []
    assert calendar.walk("VTIMEZONE") == []


def test_during_a_pause_the_events_start_the_day_after_it(client: Client, owner: User) -> None:
    Profile.objects.filter(user=owner).update(paused_until=dt.date(2025, 3, 9))
    make_reminder(owner)
    assert starts(feed(client, owner))[0] == dt.datetime(2025, 3, 10, 8, 0, tzinfo=BERLIN)


def test_events_are_in_the_persons_own_zone(client: Client, owner: User) -> None:
    Profile.objects.filter(user=owner).update(timezone="Australia/Lord_Howe")
    make_reminder(owner)
    calendar = feed(client, owner)
    assert {event["DTSTART"].params["TZID"] for event in events(calendar)} == {
        "Australia/Lord_Howe"
    }
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Australia/Lord_Howe"]
    # In Lord Howe it is already 20:10 on Monday: the first event is still that day, at 08:00.
    assert starts(calendar)[0] == dt.datetime(
        2025, 3, 3, 8, 0, tzinfo=ZoneInfo("Australia/Lord_Howe")
    )


def test_an_unknown_token_is_not_found(client: Client, owner: User) -> None:
    make_reminder(owner)
    for response in (
        client.get(reverse("calendar_feed", args=["not-a-token"])),
        client.get("/calendar/.ics"),
    ):
        assert response.status_code == 404
        assert not response["Content-Type"].startswith("text/calendar")
        assert b"BEGIN:VEVENT" not in response.content  # nobody's reminders


def test_the_feed_needs_no_sign_in_and_is_kept_private(client: Client, owner: User) -> None:
    token = Profile.for_user(owner).calendar_token
    response = client.get(reverse("calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["X-Robots-Tag"] == "noindex"


def test_a_new_link_stops_the_old_one_working(client: Client, owner: User) -> None:
    make_reminder(owner)
    old = Profile.for_user(owner).calendar_token
    client.force_login(owner)

    response = client.post(reverse("calendar_new_link"))

    assert response.status_code == 302
    assert response["Location"] == reverse("reminders") + "#calendar"
    new = Profile.for_user(owner).calendar_token
    assert new != old
    client.logout()
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert len(events(feed(client, owner))) == 7


def test_a_new_link_by_htmx_shows_the_new_address(client: Client, owner: User) -> None:
    client.force_login(owner)
    response = client.post(reverse("calendar_new_link"), **HTMX)
    html = response.content.decode()
    new = Profile.for_user(owner).calendar_token
    assert "<html" not in html
    assert html.lstrip().startswith('<section class="section" id="calendar"')
    assert f"http://testserver/calendar/{new}.ics" in html
    assert "The old one no longer works" in html


def test_a_new_link_needs_a_signed_in_post(client: Client, owner: User) -> None:
    old = Profile.for_user(owner).calendar_token
    assert client.post(reverse("calendar_new_link")).status_code == 302
    client.force_login(owner)
    assert client.get(reverse("calendar_new_link")).status_code == 405
    assert Profile.for_user(owner).calendar_token == old
