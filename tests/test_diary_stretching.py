"""From insight to action: the bedtime stretches offered as a nightly reminder when night
cramps come weekly, and after 6 weeks of nightly stretching the cramps per week before and
after (pure stats.stretch_trial at its boundaries, then the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse

from routines.accounts.models import Profile
from routines.content.models import Purpose
from routines.diary.models import CrampEntry
from routines.diary.stats import night_of, stretch_trial
from routines.player.models import Run
from routines.reminders.models import Reminder, ReminderKind, ScheduleKind

from .factories import make_routine
from .helpers.html import main_text
from .helpers.reminders import make_reminder

BERLIN = ZoneInfo("Europe/Berlin")
#: Wednesday 14 January 2026, 12:00 UTC (13:00 in Berlin).
T0 = dt.datetime(2026, 1, 14, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 1, 14)
THIS_MONDAY = dt.date(2026, 1, 12)
WEEK = dt.timedelta(weeks=1)
DAY = dt.timedelta(days=1)


def mondays_back(first: int, last: int) -> list[dt.date]:
    """The Mondays `first` to `last` whole weeks before this one (1 is last week)."""
    return [THIS_MONDAY - n * WEEK for n in range(first, last + 1)]


def nights(mondays: list[dt.date], per_week: int = 7) -> list[dt.date]:
    return [monday + d * DAY for monday in mondays for d in range(per_week)]


# The rule (pure) ----------------------------------------------------------------------------


def test_six_weeks_of_five_nights_make_a_trial_five_weeks_do_not() -> None:
    trial = stretch_trial(nights(mondays_back(1, 6), 5), [], TODAY)
    assert trial is not None
    assert trial.began == THIS_MONDAY - 6 * WEEK and trial.weeks == 6
    assert stretch_trial(nights(mondays_back(1, 5), 7), [], TODAY) is None


def test_a_week_of_four_nights_breaks_the_run() -> None:
    weeks = nights(mondays_back(1, 3), 5) + nights(mondays_back(4, 4), 4)
    weeks += nights(mondays_back(5, 7), 5)
    assert stretch_trial(weeks, [], TODAY) is None
    weeks += nights(mondays_back(8, 10), 5)  # 6 weeks in a row further back: that run counts
    trial = stretch_trial(weeks, [], TODAY)
    assert trial is not None and trial.began == THIS_MONDAY - 10 * WEEK and trial.weeks == 6


def test_this_unfinished_week_and_repeats_on_one_night_do_not_count() -> None:
    # Five weeks done and this week's seven nights: not yet six whole weeks.
    assert stretch_trial(nights(mondays_back(1, 5)) + nights([THIS_MONDAY]), [], TODAY) is None
    # Two runs on each of four nights are still four nights.
    doubled = nights(mondays_back(1, 6), 4) * 2
    assert stretch_trial(doubled, [], TODAY) is None


def test_a_run_that_ended_beyond_the_lookback_is_not_compared() -> None:
    old = nights(mondays_back(27, 32))
    assert stretch_trial(old, [], TODAY) is None
    assert stretch_trial(nights(mondays_back(21, 26)), [], TODAY) is not None


def test_cramps_are_counted_in_the_six_weeks_before_and_the_weeks_of_stretching() -> None:
    began = THIS_MONDAY - 8 * WEEK  # eight nightly weeks, ending last week
    cramps = [
        began - 6 * WEEK,  # first day of the six weeks before: before
        began - 6 * WEEK - DAY,  # a day earlier: neither
        began - DAY,  # the Sunday before: before
        began - DAY,  # a second cramp that day: before
        began,  # the first night of stretching: after
        THIS_MONDAY - DAY,  # last Sunday: after
        THIS_MONDAY,  # this week, not finished: neither
    ]
    trial = stretch_trial(nights(mondays_back(1, 8)), cramps, TODAY)
    assert trial is not None and trial.weeks == 8
    assert (trial.cramps_before, trial.cramps_after) == (3, 2)
    assert trial.per_week_before == 0.5 and trial.per_week_after == 0.25
    assert trial.improved and not trial.see_a_gp


def test_no_fewer_cramps_a_week_suggests_a_gp_none_at_all_does_not() -> None:
    six = nights(mondays_back(1, 6))
    before = THIS_MONDAY - 8 * WEEK
    during = THIS_MONDAY - 2 * WEEK
    same = stretch_trial(six, [before, before, during, during], TODAY)
    assert same is not None and not same.improved and same.see_a_gp
    fewer = stretch_trial(six, [before, before, during], TODAY)
    assert fewer is not None and fewer.improved and not fewer.see_a_gp
    worse = stretch_trial(six, [during], TODAY)
    assert worse is not None and worse.see_a_gp
    none = stretch_trial(six, [], TODAY)
    assert none is not None and not none.improved and not none.see_a_gp


def test_a_routine_after_midnight_belongs_to_the_night_before() -> None:
    assert night_of(dt.datetime(2026, 1, 13, 23, 30, tzinfo=dt.UTC), BERLIN) == TODAY - DAY
    assert night_of(dt.datetime(2026, 1, 14, 4, 59, tzinfo=dt.UTC), BERLIN) == TODAY - DAY
    assert night_of(dt.datetime(2026, 1, 14, 5, 0, tzinfo=dt.UTC), BERLIN) == TODAY


# The pages ----------------------------------------------------------------------------------


def weekly_night_cramps(user: Any, weeks: int = 4, start: dt.datetime = T0) -> None:
    for n in range(weeks):
        CrampEntry.objects.create(
            user=user,
            started_at=start - dt.timedelta(days=1 + 7 * n),
            muscle="calf",
            side="left",
            intensity=6,
            context="night",
        )


@pytest.fixture
def bedtime(db: None) -> Any:
    return make_routine(title="Bedtime stretches", slug="bedtime-stretches")


def stretch_on(user: Any, routine: Any, nights_: list[dt.date]) -> None:
    for night in nights_:
        start = dt.datetime.combine(night, dt.time(21, 30), tzinfo=BERLIN)
        run = Run.begin(routine, user=user, lead_in=False, now=start)
        Run.objects.filter(pk=run.pk).update(finished_at=start + dt.timedelta(minutes=4))
    Profile.note_changes(user.pk, "runs", "finished")  # the update() above sends no signal


@pytest.mark.django_db
def test_weekly_night_cramps_offer_the_bedtime_stretches_as_a_nightly_reminder(
    client_sam: Client, sam: AbstractBaseUser, bedtime: Any, clock: Any
) -> None:
    weekly_night_cramps(sam)

    response = client_sam.get(reverse("diary_insights"))

    text = main_text(response)
    assert "Try stretching at bedtime" in text
    assert "another trial found no benefit" in text
    # Quiet hours from 21:00 by default: the latest time before them.
    link = f"{reverse('reminder_create')}?kind=stretch&amp;routine=bedtime-stretches&amp;at=20:45"
    assert link in response.content.decode()
    form = client_sam.get(link.replace("&amp;", "&"))
    assert form.context["form"].initial["routine"] == bedtime.pk
    assert form.context["form"].initial["schedule"] == ScheduleKind.FIXED
    assert form.context["form"].initial["fixed_times"] == "20:45"
    assert form.context["form"].initial["kind"] == ReminderKind.STRETCH
    assert Reminder.objects.count() == 0  # offering saves nothing


@pytest.mark.django_db
def test_the_offer_follows_the_persons_quiet_hours(
    client_sam: Client, sam: AbstractBaseUser, bedtime: Any, clock: Any
) -> None:
    Profile.objects.filter(user=sam).update(quiet_start=dt.time(23, 0))
    weekly_night_cramps(sam)
    html = client_sam.get(reverse("diary_insights")).content.decode()
    assert "at=20:45" in html  # 20:45 is the latest suggested, as for the suggested reminders


@pytest.mark.django_db
def test_no_offer_with_fewer_night_cramps_or_with_the_reminder_on(
    client_sam: Client, sam: AbstractBaseUser, bedtime: Any, clock: Any
) -> None:
    weekly_night_cramps(sam, weeks=3)
    assert "Try stretching at bedtime" not in main_text(client_sam.get(reverse("diary_insights")))
    weekly_night_cramps(sam, weeks=1, start=T0 - 3 * WEEK)
    assert "Try stretching at bedtime" in main_text(client_sam.get(reverse("diary_insights")))
    reminder = make_reminder(
        sam,
        kind=ReminderKind.STRETCH,
        routine=bedtime,
        schedule=ScheduleKind.FIXED,
        fixed_times=["20:45"],
    )
    assert "Try stretching at bedtime" not in main_text(client_sam.get(reverse("diary_insights")))
    reminder.enabled = False  # off, saved as the reminder form saves it: offered again
    reminder.save()
    assert "Try stretching at bedtime" in main_text(client_sam.get(reverse("diary_insights")))


@pytest.mark.django_db
def test_the_reminder_form_ignores_prefills_that_are_not_right(
    client_sam: Client, bedtime: Any
) -> None:
    relief = make_routine(title="Calf relief", slug="calf-relief", purpose=Purpose.RELIEF)
    url = reverse("reminder_create")
    form = client_sam.get(url, {"kind": "stretch", "routine": relief.slug, "at": "25:99"})
    initial = form.context["form"].initial
    assert initial["schedule"] == ScheduleKind.INTERVAL  # the usual stretch defaults
    assert initial["routine"] != relief.pk
    water = client_sam.get(url, {"kind": "hydration", "routine": bedtime.slug, "at": "21:00"})
    assert water.context["form"].initial["schedule"] == ScheduleKind.INTERVAL
    assert water.context["form"].initial["kind"] == ReminderKind.HYDRATION


@pytest.mark.django_db
def test_after_six_nightly_weeks_the_page_compares_before_and_after_with_the_caution(
    client_sam: Client, sam: AbstractBaseUser, bedtime: Any, clock: Any
) -> None:
    other = make_routine(title="Calf stretch", slug="calf-stretch")
    stretch_on(sam, other, nights(mondays_back(1, 6)))  # another routine: not counted
    assert "before and after" not in main_text(client_sam.get(reverse("diary_insights")))

    stretch_on(sam, bedtime, nights(mondays_back(1, 6), 5))
    weekly_night_cramps(sam, weeks=6, start=T0 - 7 * WEEK)  # one a week before
    weekly_night_cramps(sam, weeks=3, start=T0 - 1 * WEEK)  # fewer while stretching

    text = main_text(client_sam.get(reverse("diary_insights")))
    assert "From the week of 1 December you did the bedtime stretches" in text
    assert "for 6 weeks in a row" in text
    assert "6 weeks before 6 1.0" in text
    assert "6 weeks stretching 3 0.5" in text
    assert "Fewer cramps a week while stretching. A change may be chance" in text
    assert "Consider seeing your GP" not in text


@pytest.mark.django_db
def test_no_improvement_after_six_nightly_weeks_suggests_a_gp_with_the_summary(
    client_sam: Client, sam: AbstractBaseUser, bedtime: Any, clock: Any
) -> None:
    stretch_on(sam, bedtime, nights(mondays_back(1, 6)))
    weekly_night_cramps(sam, weeks=6, start=T0 - 1 * WEEK)  # one a week while stretching

    response = client_sam.get(reverse("diary_insights"))

    text = main_text(response)
    assert "6 weeks before 0 0.0" in text
    assert "No fewer cramps a week while stretching." in text
    assert (
        "Consider seeing a doctor Six weeks of nightly bedtime stretching have not made your "
        "cramps less frequent."
    ) in text
    assert reverse("diary_summary") in response.content.decode()

    # With weekly night cramps too, both reasons share one card, and stretching nightly
    # already, there is no offer to start.
    weekly_night_cramps(sam, weeks=1, start=T0)
    text = main_text(client_sam.get(reverse("diary_insights")))
    assert text.count("Consider seeing a doctor") == 1
    assert "Cramps woke you at night at least once a week for 4 weeks." in text
    assert "Try stretching at bedtime" not in text


@pytest.mark.django_db
def test_an_improvement_suggests_no_doctor_for_it(
    client_sam: Client, sam: AbstractBaseUser, bedtime: Any, clock: Any
) -> None:
    stretch_on(sam, bedtime, nights(mondays_back(1, 6)))
    weekly_night_cramps(sam, weeks=6, start=T0 - 7 * WEEK)
    text = main_text(client_sam.get(reverse("diary_insights")))
    assert "Fewer cramps a week while stretching." in text
    assert "Consider seeing a doctor" not in text
