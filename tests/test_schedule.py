"""The reminder schedule: next fire time in the person's zone, weekdays, quiet hours, bedtime, DST.

Pure tests: no clock, and no database except where suggested reminders look up routines.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from routines.accounts.models import Profile
from routines.accounts.zones import validate_zone
from routines.reminders.models import Reminder, ReminderKind, ScheduleKind
from routines.reminders.schedule import (
    Schedule,
    interval_times,
    next_fire,
    parse_time,
    snooze_end,
    upcoming,
    weekday_mask,
    weekdays_from_mask,
)
from routines.reminders.suggested import MONDAY_TO_FRIDAY, default_reminders

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
NO_QUIET = {"quiet_start": None, "quiet_end": None}


def local(
    zone: ZoneInfo,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    *,
    fold: int = 0,
) -> dt.datetime:
    """An aware local time in `zone`."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone, fold=fold)


def wall(instant: dt.datetime | None, zone: ZoneInfo) -> str:
    """How a fire time reads on the person's clock, with its offset."""
    assert instant is not None
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")


def walls(instants: list[dt.datetime], zone: ZoneInfo) -> list[str]:
    return [wall(instant, zone) for instant in instants]


def t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def upcoming_fires(
    reminder: Reminder, profile: Profile, after: dt.datetime, count: int = 5
) -> list[dt.datetime]:
    """The reminder's next `count` fire times, with snooze and pause taken into account."""
    found: list[dt.datetime] = []
    while len(found) < count and (after := reminder.next_fire(profile, after)) is not None:
        found.append(after)
    return found


# --- Interval and fixed schedules ------------------------------------------------------------


def test_interval_fires_from_window_start_up_to_and_including_window_end() -> None:
    schedule = Schedule.every(120, t("08:00"), t("20:00"))

    fires = upcoming(schedule, LONDON, local(LONDON, 2026, 6, 1, 0, 0), count=8)

    assert [f.astimezone(LONDON).strftime("%d %H:%M") for f in fires] == [
        "01 08:00",
        "01 10:00",
        "01 12:00",
        "01 14:00",
        "01 16:00",
        "01 18:00",
        "01 20:00",
        "02 08:00",
    ]


def test_interval_stops_at_the_last_step_inside_the_window() -> None:
    assert interval_times(120, t("08:00"), t("19:59")) == tuple(
        t(f"{hour:02d}:00") for hour in (8, 10, 12, 14, 16, 18)
    )


def test_interval_window_ending_before_it_starts_runs_past_midnight() -> None:
    assert interval_times(60, t("22:00"), t("01:00")) == (
        t("00:00"),
        t("01:00"),
        t("22:00"),
        t("23:00"),
    )


@pytest.mark.parametrize("minutes", [0, 14, 481])
def test_interval_outside_15_to_480_minutes_is_refused(minutes: int) -> None:
    with pytest.raises(ValueError, match="from 15 to 480 minutes"):
        interval_times(minutes, t("08:00"), t("20:00"))


def test_fixed_times_fire_in_time_order_whatever_order_they_were_given() -> None:
    schedule = Schedule.at(["18:15", "07:45", "12:00"])

    fires = upcoming(schedule, LONDON, local(LONDON, 2026, 6, 1, 9, 0), count=4)

    assert walls(fires, LONDON) == [
        "2026-06-01 12:00 +0100",
        "2026-06-01 18:15 +0100",
        "2026-06-02 07:45 +0100",
        "2026-06-02 12:00 +0100",
    ]


def test_after_exactly_at_a_fire_time_gives_the_following_one() -> None:
    schedule = Schedule.at(["08:00", "12:00"])
    fire = local(LONDON, 2026, 6, 1, 8, 0)

    assert next_fire(schedule, LONDON, fire) == local(LONDON, 2026, 6, 1, 12, 0)
    assert next_fire(schedule, LONDON, fire - dt.timedelta(microseconds=1)) == fire


def test_next_fire_is_returned_in_utc_whatever_zone_after_is_given_in() -> None:
    schedule = Schedule.at(["08:00"])
    after_in_tokyo = local(TOKYO, 2026, 6, 1, 12, 0)  # 04:00 in London

    fire = next_fire(schedule, LONDON, after_in_tokyo)

    assert fire is not None
    assert fire.tzinfo is UTC
    assert fire == dt.datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


def test_naive_after_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_fire(Schedule.at(["08:00"]), LONDON, dt.datetime(2026, 6, 1, 8, 0))


def test_upcoming_gives_five_increasing_times() -> None:
    schedule = Schedule.every(45, t("09:00"), t("11:00"), weekdays=weekday_mask([0, 3]))

    fires = upcoming(schedule, BERLIN, local(BERLIN, 2026, 6, 1, 10, 0))

    assert len(fires) == 5
    assert fires == sorted(set(fires))
    assert walls(fires, BERLIN) == [
        "2026-06-01 10:30 +0200",
        "2026-06-04 09:00 +0200",
        "2026-06-04 09:45 +0200",
        "2026-06-04 10:30 +0200",
        "2026-06-08 09:00 +0200",
    ]


# --- Weekdays --------------------------------------------------------------------------------


def test_only_the_chosen_weekdays_fire() -> None:
    schedule = Schedule.at(["09:00"], weekdays=MONDAY_TO_FRIDAY)
    friday_evening = local(LONDON, 2026, 6, 5, 18, 0)

    fire = next_fire(schedule, LONDON, friday_evening)

    assert wall(fire, LONDON) == "2026-06-08 09:00 +0100"
    assert fire is not None and fire.astimezone(LONDON).weekday() == 0


def test_weekdays_follow_the_local_date_not_the_utc_date() -> None:
    # 01:00 on Monday in Kolkata is still Sunday in UTC.
    schedule = Schedule.at(["01:00"], weekdays=weekday_mask([0]), **NO_QUIET)

    fire = next_fire(schedule, KOLKATA, local(KOLKATA, 2026, 6, 3, 12, 0))

    assert wall(fire, KOLKATA) == "2026-06-08 01:00 +0530"
    assert fire == dt.datetime(2026, 6, 7, 19, 30, tzinfo=UTC)


def test_an_empty_weekday_mask_never_fires() -> None:
    schedule = Schedule.at(["09:00"], weekdays=0)

    assert next_fire(schedule, LONDON, local(LONDON, 2026, 6, 1, 0, 0)) is None
    assert upcoming(schedule, LONDON, local(LONDON, 2026, 6, 1, 0, 0)) == []


def test_weekday_mask_round_trips_and_refuses_days_out_of_range() -> None:
    assert weekday_mask([0, 1, 2, 3, 4]) == MONDAY_TO_FRIDAY
    assert weekday_mask([6]) == 0b1000000
    assert weekdays_from_mask(weekday_mask([5, 0, 3])) == [0, 3, 5]
    with pytest.raises(ValueError, match="0 \\(Monday\\) to 6 \\(Sunday\\)"):
        weekday_mask([7])


# --- Quiet hours and bedtime -----------------------------------------------------------------


def test_times_in_quiet_hours_wrapping_midnight_are_skipped_not_moved() -> None:
    schedule = Schedule.at(["06:59", "07:00", "20:59", "21:00", "23:30"])

    fires = upcoming(schedule, LONDON, local(LONDON, 2026, 6, 1, 0, 0), count=4)

    assert walls(fires, LONDON) == [
        "2026-06-01 07:00 +0100",
        "2026-06-01 20:59 +0100",
        "2026-06-02 07:00 +0100",
        "2026-06-02 20:59 +0100",
    ]


def test_quiet_hours_within_one_day_skip_only_that_stretch() -> None:
    schedule = Schedule.every(
        30, t("12:00"), t("15:00"), quiet_start=t("13:00"), quiet_end=t("14:00")
    )

    fires = upcoming(schedule, LONDON, local(LONDON, 2026, 6, 1, 0, 0), count=5)

    assert [f.astimezone(LONDON).strftime("%H:%M") for f in fires] == [
        "12:00",
        "12:30",
        "14:00",
        "14:30",
        "15:00",
    ]


def test_equal_quiet_start_and_end_mean_no_quiet_hours() -> None:
    schedule = Schedule.at(["03:00"], quiet_start=t("07:00"), quiet_end=t("07:00"))

    assert wall(next_fire(schedule, LONDON, local(LONDON, 2026, 6, 1)), LONDON) == (
        "2026-06-01 03:00 +0100"
    )


def test_a_schedule_entirely_inside_quiet_hours_never_fires() -> None:
    schedule = Schedule.at(["22:00", "02:00", "06:30"])

    assert next_fire(schedule, LONDON, local(LONDON, 2026, 6, 1)) is None


def test_no_reminder_in_the_two_hours_before_bedtime() -> None:
    schedule = Schedule.at(["18:29", "18:30", "20:29", "20:30"], bedtime=t("20:30"))

    fires = upcoming(schedule, LONDON, local(LONDON, 2026, 6, 1), count=2)

    assert walls(fires, LONDON) == ["2026-06-01 18:29 +0100", "2026-06-01 20:30 +0100"]


def test_a_bedtime_after_midnight_blocks_the_two_hours_across_midnight() -> None:
    schedule = Schedule.every(30, t("21:30"), t("01:00"), bedtime=t("00:30"), **NO_QUIET)

    fires = upcoming(schedule, LONDON, local(LONDON, 2026, 6, 1, 12, 0), count=4)

    assert walls(fires, LONDON) == [
        "2026-06-01 21:30 +0100",
        "2026-06-01 22:00 +0100",
        "2026-06-02 00:30 +0100",
        "2026-06-02 01:00 +0100",
    ]


# --- DST: Europe/Berlin (2026-03-29, 2026-10-25) and America/New_York (2026-03-08, 2026-11-01) --


@pytest.mark.parametrize(
    ("zone", "day", "time", "expected"),
    [
        # The clock jumps from 02:00 to 03:00: the skipped time fires once, at 03:00.
        (BERLIN, dt.date(2026, 3, 29), "02:30", "2026-03-29 03:00 +0200"),
        (BERLIN, dt.date(2026, 3, 29), "02:00", "2026-03-29 03:00 +0200"),
        (NEW_YORK, dt.date(2026, 3, 8), "02:30", "2026-03-08 03:00 -0400"),
        (NEW_YORK, dt.date(2026, 3, 8), "02:59", "2026-03-08 03:00 -0400"),
    ],
)
def test_a_fixed_time_the_clock_skips_fires_once_at_the_next_valid_minute(
    zone: ZoneInfo, day: dt.date, time: str, expected: str
) -> None:
    schedule = Schedule.at([time], **NO_QUIET)
    evening_before = local(zone, day.year, day.month, day.day) - dt.timedelta(hours=3)

    fires = upcoming(schedule, zone, evening_before, count=3)

    assert walls(fires, zone) == [
        expected,
        f"{day + dt.timedelta(days=1)} {time} {expected[-5:]}",
        f"{day + dt.timedelta(days=2)} {time} {expected[-5:]}",
    ]


def test_a_skipped_time_moved_into_quiet_hours_does_not_fire_that_night() -> None:
    # 02:30 is allowed, but on the spring-forward night it would go off at 03:00, which is quiet.
    schedule = Schedule.at(["02:30"], quiet_start=t("03:00"), quiet_end=t("07:00"))

    fires = upcoming(schedule, BERLIN, local(BERLIN, 2026, 3, 28, 12, 0), count=1)

    assert walls(fires, BERLIN) == ["2026-03-30 02:30 +0200"]


@pytest.mark.parametrize(
    ("zone", "day", "time", "expected_utc"),
    [
        # The clock goes back from 03:00 to 02:00: 02:30 happens twice, fires the first time.
        (BERLIN, dt.date(2026, 10, 25), "02:30", dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        # New York repeats 01:00-02:00.
        (NEW_YORK, dt.date(2026, 11, 1), "01:30", dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
    ],
)
def test_a_fixed_time_that_happens_twice_fires_once_the_first_time(
    zone: ZoneInfo, day: dt.date, time: str, expected_utc: dt.datetime
) -> None:
    schedule = Schedule.at([time], **NO_QUIET)
    evening_before = local(zone, day.year, day.month, day.day) - dt.timedelta(hours=3)

    fires = upcoming(schedule, zone, evening_before, count=2)

    assert fires[0] == expected_utc
    assert fires[0].astimezone(zone).fold == 0
    assert fires[1].astimezone(zone).date() == day + dt.timedelta(days=1)
    # Asked again from inside the repeated hour, after the first pass: not again that night.
    second_pass = local(zone, day.year, day.month, day.day, int(time[:2]), 0, fold=1)
    assert next_fire(schedule, zone, second_pass) == fires[1]


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        (
            BERLIN,
            dt.date(2026, 3, 29),
            ["01:00 +0100", "01:30 +0100", "03:00 +0200", "03:30 +0200", "04:00 +0200"],
        ),
        (
            BERLIN,
            dt.date(2026, 10, 25),
            [
                "01:00 +0200",
                "01:30 +0200",
                "02:00 +0200",
                "02:30 +0200",
                "03:00 +0100",
                "03:30 +0100",
                "04:00 +0100",
            ],
        ),
        (
            NEW_YORK,
            dt.date(2026, 3, 8),
            ["01:00 -0500", "01:30 -0500", "03:00 -0400", "03:30 -0400", "04:00 -0400"],
        ),
        (
            NEW_YORK,
            dt.date(2026, 11, 1),
            [
                "01:00 -0400",
                "01:30 -0400",
                "02:00 -0500",
                "02:30 -0500",
                "03:00 -0500",
                "03:30 -0500",
                "04:00 -0500",
            ],
        ),
    ],
)
def test_an_interval_across_a_dst_change_has_no_duplicate_and_misses_only_the_gap(
    zone: ZoneInfo, day: dt.date, expected: list[str]
) -> None:
    schedule = Schedule.every(30, t("01:00"), t("04:00"), **NO_QUIET)
    start = local(zone, day.year, day.month, day.day)

    fires = upcoming(schedule, zone, start, count=len(expected) + 1)

    assert [f.astimezone(zone).strftime("%H:%M %z") for f in fires[:-1]] == expected
    assert fires[-1].astimezone(zone).date() == day + dt.timedelta(days=1)
    assert len(set(fires)) == len(fires)


def test_a_daytime_interval_keeps_its_local_times_across_both_berlin_changes() -> None:
    schedule = Schedule.every(120, t("08:00"), t("20:00"))

    for day in (dt.date(2026, 3, 29), dt.date(2026, 10, 25)):
        fires = upcoming(schedule, BERLIN, local(BERLIN, day.year, day.month, day.day), count=7)
        assert [f.astimezone(BERLIN).strftime("%H:%M") for f in fires] == [
            "08:00",
            "10:00",
            "12:00",
            "14:00",
            "16:00",
            "18:00",
            "20:00",
        ]
        assert {f.astimezone(BERLIN).date() for f in fires} == {day}


# --- Half-hour zones ---------------------------------------------------------------------------


def test_a_half_hour_zone_fires_at_local_time() -> None:
    schedule = Schedule.at(["08:00", "19:45"])

    fires = upcoming(schedule, KOLKATA, dt.datetime(2026, 6, 1, 0, 0, tzinfo=UTC), count=3)

    assert fires == [
        dt.datetime(2026, 6, 1, 2, 30, tzinfo=UTC),
        dt.datetime(2026, 6, 1, 14, 15, tzinfo=UTC),
        dt.datetime(2026, 6, 2, 2, 30, tzinfo=UTC),
    ]


def _offset_changes(zone: ZoneInfo, year: int) -> list[tuple[dt.datetime, dt.timedelta]]:
    """The instants in `year` at which `zone`'s UTC offset changes, with the change."""
    changes = []
    moment = dt.datetime(year, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(zone).utcoffset()
    while moment.year == year:
        moment += dt.timedelta(minutes=30)
        offset = moment.astimezone(zone).utcoffset()
        if offset != previous:
            assert offset is not None and previous is not None
            changes.append((moment, offset - previous))
            previous = offset
    return changes


@pytest.fixture(scope="module")
def lord_howe_2026() -> dict[str, dt.datetime]:
    """Lord Howe Island moves its clock by half an hour: the 2026 changes, found from zoneinfo."""
    changes = _offset_changes(LORD_HOWE, 2026)
    assert [shift for _, shift in changes] == [
        dt.timedelta(minutes=-30),
        dt.timedelta(minutes=30),
    ]
    return {"back": changes[0][0], "forward": changes[1][0]}


def test_lord_howe_time_in_the_half_hour_gap_fires_once_at_its_end(
    lord_howe_2026: dict[str, dt.datetime],
) -> None:
    change = lord_howe_2026["forward"]
    gap_end = change.astimezone(LORD_HOWE)  # the first wall-clock minute after the jump
    skipped = (gap_end - dt.timedelta(minutes=15)).strftime("%H:%M")  # naive minus: in the gap
    schedule = Schedule.at([skipped], **NO_QUIET)

    fires = upcoming(schedule, LORD_HOWE, change - dt.timedelta(hours=12), count=2)

    assert fires[0] == change
    assert fires[1].astimezone(LORD_HOWE).strftime("%H:%M") == skipped
    assert fires[1].astimezone(LORD_HOWE).date() == gap_end.date() + dt.timedelta(days=1)


def test_lord_howe_time_in_the_repeated_half_hour_fires_once(
    lord_howe_2026: dict[str, dt.datetime],
) -> None:
    change = lord_howe_2026["back"]
    repeated = (change.astimezone(LORD_HOWE) + dt.timedelta(minutes=15)).strftime("%H:%M")
    schedule = Schedule.at([repeated], **NO_QUIET)

    fires = upcoming(schedule, LORD_HOWE, change - dt.timedelta(hours=12), count=2)

    # The first pass, half an hour before the clock goes back.
    assert fires[0] == change - dt.timedelta(minutes=15)
    assert fires[0].astimezone(LORD_HOWE).strftime("%H:%M") == repeated
    assert fires[1] - fires[0] > dt.timedelta(hours=23)


# --- A person who changes zone ---------------------------------------------------------------


def test_the_same_schedule_in_a_new_zone_fires_at_local_times_there() -> None:
    schedule = Schedule.at(["08:00", "13:00"], weekdays=MONDAY_TO_FRIDAY)
    after = dt.datetime(2026, 6, 5, 10, 0, tzinfo=UTC)  # Friday: 12:00 in Berlin, 19:00 in Tokyo

    in_berlin = upcoming(schedule, BERLIN, after, count=2)
    in_tokyo = upcoming(schedule, TOKYO, after, count=2)

    assert walls(in_berlin, BERLIN) == ["2026-06-05 13:00 +0200", "2026-06-08 08:00 +0200"]
    assert walls(in_tokyo, TOKYO) == ["2026-06-08 08:00 +0900", "2026-06-08 13:00 +0900"]


def test_a_reminder_follows_the_profile_when_its_zone_changes() -> None:
    reminder = _reminder(fixed_times=["09:00"])
    profile = Profile(timezone="Europe/Berlin")
    after = dt.datetime(2026, 6, 1, 0, 0, tzinfo=UTC)

    before_move = reminder.next_fire(profile, after)
    profile.timezone = "America/New_York"
    after_move = reminder.next_fire(profile, after)

    assert wall(before_move, BERLIN) == "2026-06-01 09:00 +0200"
    assert wall(after_move, NEW_YORK) == "2026-06-01 09:00 -0400"


# --- Validation helpers ----------------------------------------------------------------------


def test_a_known_zone_is_accepted() -> None:
    assert validate_zone("Australia/Lord_Howe") == LORD_HOWE
    assert validate_zone("UTC") == ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Choose a time zone."),
        ("   ", "Choose a time zone."),
        ("Mars/Olympus_Mons", "We do not know the time zone “Mars/Olympus_Mons”."),
        ("europe/berlin", "Did you mean Europe/Berlin?"),
        ("../../etc/passwd", "We do not know the time zone"),
        ("/usr/share/zoneinfo/Europe/Berlin", "We do not know the time zone"),
        ("Europe/../Europe/Berlin", "We do not know the time zone"),
        ("Factory", "We do not know the time zone"),
        ("localtime", "We do not know the time zone"),
    ],
)
def test_an_unknown_or_path_like_zone_is_refused_with_a_message(name: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        validate_zone(name)

    assert message in str(error.value)


def test_a_time_is_read_from_the_24_hour_clock_and_nothing_else() -> None:
    assert parse_time("7:30") == t("07:30")
    assert parse_time(" 18:00 ") == t("18:00")
    for bad in ("25:00", "+8:00", "8:5", "08.30", "noon", "08:٣٠"):
        with pytest.raises(ValueError, match=re.escape(f"“{bad}” is not a time")):
            parse_time(bad)


# --- A reminder: enabled, snooze, pause ------------------------------------------------------


def _reminder(**fields: object) -> Reminder:
    values: dict[str, object] = {
        "kind": ReminderKind.HYDRATION,
        "schedule": ScheduleKind.FIXED,
        "fixed_times": [],
        "enabled": True,
    }
    values.update(fields)
    return Reminder(**values)


def _hydration() -> Reminder:
    return _reminder(
        schedule=ScheduleKind.INTERVAL,
        interval_minutes=120,
        window_start=t("08:00"),
        window_end=t("20:00"),
    )


def test_a_disabled_reminder_never_fires() -> None:
    reminder = _hydration()
    reminder.enabled = False

    assert reminder.next_fire(Profile(timezone="Europe/London"), local(LONDON, 2026, 6, 1)) is None


def test_hydration_and_stretch_reminders_fire_at_the_same_times() -> None:
    profile = Profile(timezone="Europe/London")
    hydration = _hydration()
    stretch = _hydration()
    stretch.kind = ReminderKind.STRETCH
    after = local(LONDON, 2026, 6, 1, 9, 0)

    assert upcoming_fires(hydration, profile, after) == upcoming_fires(stretch, profile, after)


def test_a_reminder_uses_the_profile_quiet_hours_and_bedtime() -> None:
    profile = Profile(timezone="Europe/London", quiet_start=t("19:00"), quiet_end=t("09:00"))
    profile.bedtime = t("23:00")  # blocks 21:00-23:00, already quiet
    reminder = _hydration()

    fires = upcoming_fires(reminder, profile, local(LONDON, 2026, 6, 1), count=6)

    assert [f.astimezone(LONDON).strftime("%d %H:%M") for f in fires] == [
        "01 10:00",
        "01 12:00",
        "01 14:00",
        "01 16:00",
        "01 18:00",
        "02 10:00",
    ]


def test_the_hours_before_bedtime_block_drinks_but_not_the_bedtime_stretch() -> None:
    profile = Profile(timezone="Europe/London", bedtime=t("22:30"))
    stretch = Reminder(
        kind=ReminderKind.STRETCH,
        schedule=ScheduleKind.FIXED,
        fixed_times=["20:45"],
        weekdays=0b1111111,
    )
    drink = Reminder(
        kind=ReminderKind.HYDRATION,
        schedule=ScheduleKind.FIXED,
        fixed_times=["20:45"],
        weekdays=0b1111111,
    )
    after = local(LONDON, 2026, 6, 1, 12, 0)

    assert wall(stretch.next_fire(profile, after), LONDON) == "2026-06-01 20:45 +0100"
    assert drink.next_fire(profile, after) is None


def test_a_15_minute_snooze_fires_then_the_schedule_carries_on() -> None:
    profile = Profile(timezone="Europe/London")
    reminder = _hydration()
    now = local(LONDON, 2026, 6, 2, 11, 50)
    reminder.snoozed_until = snooze_end(reminder.schedule_for(profile), profile.zone, now, 15)

    fires = upcoming_fires(reminder, profile, now, count=3)

    assert walls(fires, LONDON) == [
        "2026-06-02 12:05 +0100",
        "2026-06-02 14:00 +0100",
        "2026-06-02 16:00 +0100",
    ]


def test_a_snooze_past_a_regular_time_replaces_it() -> None:
    profile = Profile(timezone="Europe/London")
    reminder = _hydration()
    now = local(LONDON, 2026, 6, 2, 11, 30)
    reminder.snoozed_until = snooze_end(reminder.schedule_for(profile), profile.zone, now, 60)

    fires = upcoming_fires(reminder, profile, now, count=2)

    # 12:00 is not sent: the person asked to be left alone until 12:30.
    assert walls(fires, LONDON) == ["2026-06-02 12:30 +0100", "2026-06-02 14:00 +0100"]


def test_a_snooze_ending_in_quiet_hours_fires_when_they_end() -> None:
    profile = Profile(timezone="Europe/London")
    reminder = _hydration()
    now = local(LONDON, 2026, 6, 2, 20, 50)
    reminder.snoozed_until = snooze_end(
        reminder.schedule_for(profile), profile.zone, now, 30
    )  # 21:20, quiet

    assert wall(reminder.next_fire(profile, now), LONDON) == "2026-06-03 07:00 +0100"
    # Still the next fire if asked again during the night.
    late = local(LONDON, 2026, 6, 2, 23, 0)
    assert wall(reminder.next_fire(profile, late), LONDON) == "2026-06-03 07:00 +0100"


def test_a_snooze_before_bedtime_waits_past_bedtime_and_quiet_hours() -> None:
    profile = Profile(timezone="Europe/London", bedtime=t("22:00"))  # blocks 20:00-22:00
    reminder = _hydration()
    now = local(LONDON, 2026, 6, 2, 19, 50)
    reminder.snoozed_until = snooze_end(reminder.schedule_for(profile), profile.zone, now, 15)

    assert wall(reminder.next_fire(profile, now), LONDON) == "2026-06-03 07:00 +0100"


def test_snooze_until_tomorrow_resumes_with_the_next_local_days_schedule() -> None:
    profile = Profile(timezone="Asia/Kolkata")
    reminder = _hydration()
    now = local(KOLKATA, 2026, 6, 2, 10, 5)
    reminder.snoozed_until = snooze_end(reminder.schedule_for(profile), profile.zone, now, None)

    fires = upcoming_fires(reminder, profile, now, count=2)

    assert walls(fires, KOLKATA) == ["2026-06-03 08:00 +0530", "2026-06-03 10:00 +0530"]


def test_snooze_until_tomorrow_skips_days_the_reminder_does_not_run() -> None:
    profile = Profile(timezone="Europe/London")
    reminder = _hydration()
    reminder.weekdays = MONDAY_TO_FRIDAY
    friday = local(LONDON, 2026, 6, 5, 9, 0)

    assert (
        wall(snooze_end(reminder.schedule_for(profile), profile.zone, friday, None), LONDON)
        == "2026-06-08 08:00 +0100"
    )


def test_pause_until_a_date_holds_everything_until_the_next_local_day() -> None:
    profile = Profile(timezone="America/New_York", paused_until=dt.date(2026, 6, 10))
    reminder = _hydration()

    fires = upcoming_fires(reminder, profile, local(NEW_YORK, 2026, 6, 8, 9, 0), count=2)

    assert walls(fires, NEW_YORK) == ["2026-06-11 08:00 -0400", "2026-06-11 10:00 -0400"]


def test_a_snooze_that_ends_inside_a_pause_is_dropped() -> None:
    profile = Profile(timezone="Europe/London", paused_until=dt.date(2026, 6, 3))
    reminder = _hydration()
    now = local(LONDON, 2026, 6, 2, 10, 0)
    reminder.snoozed_until = snooze_end(reminder.schedule_for(profile), profile.zone, now, 30)

    assert wall(reminder.next_fire(profile, now), LONDON) == "2026-06-04 08:00 +0100"


def test_a_past_pause_changes_nothing() -> None:
    profile = Profile(timezone="Europe/London", paused_until=dt.date(2026, 5, 1))

    fire = _hydration().next_fire(profile, local(LONDON, 2026, 6, 2, 10, 0))

    assert wall(fire, LONDON) == "2026-06-02 12:00 +0100"


def test_stored_fixed_times_that_are_not_times_are_left_out() -> None:
    reminder = _reminder(fixed_times=["nonsense", "09:30"])

    fire = reminder.next_fire(Profile(timezone="UTC"), local(LONDON, 2026, 6, 2))

    assert fire == dt.datetime(2026, 6, 2, 9, 30, tzinfo=UTC)


# --- Suggested reminders ---------------------------------------------------------------------


@pytest.fixture
def library_routines() -> dict[str, object]:
    from tests.factories import make_routine

    return {
        "desk": make_routine("Desk micro-break", slug="desk-micro-break"),
        "bedtime": make_routine("Bedtime stretches", slug="bedtime-stretches"),
    }


@pytest.mark.django_db
def test_suggested_reminders_follow_the_brief(library_routines: dict[str, object]) -> None:
    hydration, desk, bedtime = default_reminders(Profile(timezone="Europe/London"))

    assert (hydration.kind, hydration.schedule, hydration.interval_minutes) == (
        ReminderKind.HYDRATION,
        ScheduleKind.INTERVAL,
        120,
    )
    assert (hydration.window_start, hydration.window_end) == (t("08:00"), t("20:00"))
    assert weekdays_from_mask(hydration.weekdays) == [0, 1, 2, 3, 4, 5, 6]
    assert hydration.routine is None and hydration.enabled

    assert (desk.kind, desk.routine, desk.interval_minutes) == (
        ReminderKind.STRETCH,
        library_routines["desk"],
        60,
    )
    assert (desk.window_start, desk.window_end) == (t("09:00"), t("17:00"))
    assert weekdays_from_mask(desk.weekdays) == [0, 1, 2, 3, 4]

    assert (bedtime.kind, bedtime.routine, bedtime.schedule) == (
        ReminderKind.STRETCH,
        library_routines["bedtime"],
        ScheduleKind.FIXED,
    )
    assert bedtime.fixed_times == ["20:45"]
    assert not bedtime.enabled


@pytest.mark.django_db
def test_every_suggested_reminder_can_fire_under_default_quiet_hours(
    library_routines: dict[str, object],
) -> None:
    profile = Profile(timezone="Europe/London")
    after = local(LONDON, 2026, 6, 1, 0, 0)  # a Monday

    fires = []
    for reminder in default_reminders(profile):
        reminder.enabled = True
        fires.append(reminder.next_fire(profile, after))

    assert [wall(fire, LONDON) for fire in fires] == [
        "2026-06-01 08:00 +0100",
        "2026-06-01 09:00 +0100",
        "2026-06-01 20:45 +0100",
    ]


@pytest.mark.django_db
def test_suggested_bedtime_stretches_move_earlier_for_an_early_bedtime(
    library_routines: dict[str, object],
) -> None:
    profile = Profile(timezone="Europe/London", bedtime=t("22:00"))  # blocks 20:00-22:00

    bedtime = default_reminders(profile)[-1]

    assert bedtime.fixed_times == ["19:45"]


@pytest.mark.django_db
def test_no_hydration_suggestion_on_a_fluid_restriction(
    library_routines: dict[str, object],
) -> None:
    reminders = default_reminders(Profile(timezone="Europe/London", fluid_restriction=True))

    assert [r.kind for r in reminders] == [ReminderKind.STRETCH, ReminderKind.STRETCH]


@pytest.mark.django_db
def test_suggested_stretch_reminders_without_the_routines_link_to_nothing() -> None:
    reminders = default_reminders(Profile(timezone="Europe/London"))

    assert [r.routine for r in reminders] == [None, None, None]


@pytest.mark.django_db
def test_suggested_reminders_get_their_next_fire_time_when_given_now(
    library_routines: dict[str, object],
) -> None:
    now = local(LONDON, 2026, 6, 6, 12, 30)  # a Saturday
    hydration, desk, bedtime = default_reminders(Profile(timezone="Europe/London"), now=now)

    assert wall(hydration.next_fire_at, LONDON) == "2026-06-06 14:00 +0100"
    assert wall(desk.next_fire_at, LONDON) == "2026-06-08 09:00 +0100"
    assert bedtime.next_fire_at is None  # off until the person turns it on


# --- A year and more, checked against a minute-by-minute oracle --------------------------------


def _exists(day: dt.date, time: dt.time, zone: ZoneInfo) -> bool:
    moment = dt.datetime.combine(day, time, tzinfo=zone)
    return moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == moment.replace(
        tzinfo=None
    )


def _expected_instant(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """Where a wall time should fire, found the slow way: scan forward minute by minute."""
    moment = dt.datetime.combine(day, time)
    while not _exists(moment.date(), moment.time(), zone):
        moment += dt.timedelta(minutes=1)
    return moment.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _in_span(time: dt.time, start: dt.time, end: dt.time) -> bool:
    return start <= time < end if start <= end else time >= start or time < end


def _allowed(schedule: Schedule, time: dt.time) -> bool:
    """Outside quiet hours and the two hours before bedtime, written out separately."""
    quiet = (schedule.quiet_start, schedule.quiet_end)
    if quiet[0] is not None and quiet[1] is not None and _in_span(time, quiet[0], quiet[1]):
        return False
    if schedule.bedtime is not None:
        bedtime = dt.datetime.combine(dt.date(2000, 1, 2), schedule.bedtime)
        two_hours_before = (bedtime - dt.timedelta(hours=2)).time()
        if _in_span(time, two_hours_before, schedule.bedtime):
            return False
    return True


SCHEDULES: dict[str, Callable[[], Schedule]] = {
    "every 30 minutes all day, no quiet hours": lambda: Schedule.every(
        30, t("00:00"), t("23:30"), **NO_QUIET
    ),
    "fixed times around the DST hours, Mon/Wed/Sat, short quiet hours": lambda: Schedule.at(
        ["00:15", "01:30", "01:45", "02:00", "02:15", "02:30", "03:00", "08:00", "22:45"],
        weekdays=weekday_mask([0, 2, 5]),
        quiet_start=t("23:00"),
        quiet_end=t("00:30"),
    ),
    "every 45 minutes, default quiet hours, bedtime 22:30": lambda: Schedule.every(
        45, t("06:00"), t("22:00"), bedtime=t("22:30")
    ),
}


@pytest.mark.parametrize(
    "zone_name", ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
)
@pytest.mark.parametrize("schedule_name", list(SCHEDULES))
def test_four_hundred_days_fire_in_order_on_allowed_days_and_never_twice(
    zone_name: str, schedule_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    schedule = SCHEDULES[schedule_name]()
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    end = start + dt.timedelta(days=400)

    fires: list[dt.datetime] = []
    moment = start
    while True:
        following = next_fire(schedule, zone, moment)
        assert following is not None
        if following >= end:
            break
        fires.append(following)
        moment = following

    # Strictly increasing, on allowed weekdays, outside quiet hours and the bedtime stretch.
    assert all(a < b for a, b in itertools.pairwise(fires))
    seen: set[tuple[dt.date, dt.time]] = set()
    for fire in fires:
        here = fire.astimezone(zone)
        assert schedule.weekdays & (1 << here.weekday())
        assert _allowed(schedule, here.time())
        # Each local calendar time at most once a day (a repeated hour fires once).
        key = (here.date(), here.time())
        assert key not in seen
        seen.add(key)

    # Nothing missing: every allowed time of every allowed day, found the slow way.
    expected: set[dt.datetime] = set()
    day = start.astimezone(zone).date() - dt.timedelta(days=1)
    while day <= end.astimezone(zone).date():
        if schedule.weekdays & (1 << day.weekday()):
            for time in schedule.times:
                instant = _expected_instant(day, time, zone)
                fires_at = instant.astimezone(zone).time()
                if (
                    start < instant < end
                    and _allowed(schedule, time)
                    and _allowed(schedule, fires_at)
                ):
                    expected.add(instant)
        day += dt.timedelta(days=1)
    assert fires == sorted(expected)
