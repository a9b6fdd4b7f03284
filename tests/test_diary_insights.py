"""The diary's insights and history: the counting (pure stats.py) against hand-counted
fixtures, the frequency rules at their boundaries, the SVG charts, the pages and their
queries."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from routines.accounts.models import Profile
from routines.content.library.safety import LONG_CRAMP_ADVICE, NOT_AN_EMERGENCY
from routines.content.models import Purpose
from routines.diary.charts import HEIGHT, WIDTH, column_chart, row_chart
from routines.diary.models import CrampEntry
from routines.diary.stats import Cramp, advice, by_day_part, per_week, streak
from routines.player.models import Run

from .factories import make_routine
from .helpers.html import main_text
from .helpers.people import make_user

BERLIN = ZoneInfo("Europe/Berlin")
#: Wednesday 14 January 2026, 12:00 UTC (13:00 in Berlin).
T0 = dt.datetime(2026, 1, 14, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
HTMX = {"HTTP_HX_REQUEST": "true"}


# Counting (pure) ------------------------------------------------------------------------------


def test_per_week_counts_local_weeks_monday_first() -> None:
    today = dt.date(2026, 1, 14)  # a Wednesday
    moments = [
        dt.datetime(2026, 1, 12, 0, 30, tzinfo=BERLIN),  # Monday 00:30 in Berlin: this week
        dt.datetime(2026, 1, 11, 23, 30, tzinfo=dt.UTC),  # Monday 00:30 in Berlin too
        dt.datetime(2026, 1, 11, 22, 30, tzinfo=dt.UTC),  # Sunday 23:30 in Berlin: last week
        dt.datetime(2025, 10, 1, 12, tzinfo=dt.UTC),  # older than 12 weeks: not counted
    ]
    weeks = per_week(moments, BERLIN, today)
    assert len(weeks) == 12
    assert weeks[-1] == (dt.date(2026, 1, 12), 2)
    assert weeks[-2] == (dt.date(2026, 1, 5), 1)
    assert weeks[0][0] == dt.date(2025, 10, 27)
    assert sum(n for _, n in weeks) == 3


def test_by_day_part_uses_the_local_hour() -> None:
    moments = [
        dt.datetime(2026, 1, 14, 4, 59, tzinfo=dt.UTC),  # 05:59 Berlin: night
        dt.datetime(2026, 1, 14, 5, 0, tzinfo=dt.UTC),  # 06:00 Berlin: morning
        dt.datetime(2026, 1, 14, 23, 0, tzinfo=dt.UTC),  # 00:00 Berlin: night
        dt.datetime(2026, 1, 14, 16, 0, tzinfo=dt.UTC),  # 17:00: afternoon
    ]
    assert [n for _, n in by_day_part(moments, BERLIN)] == [2, 1, 1, 0]


def test_streak_counts_days_in_a_row_up_to_today_or_yesterday() -> None:
    today = dt.date(2026, 1, 14)
    assert streak([], today) == 0
    assert streak([today], today) == 1
    assert streak([today - DAY, today - 2 * DAY], today) == 2  # today not done yet
    assert streak([today, today - 2 * DAY], today) == 1  # a gap yesterday
    assert streak([today - 2 * DAY], today) == 0


def night(at: dt.datetime) -> Cramp:
    return Cramp(at, at_night=True, lasted_minutes=None)


def test_a_long_cramp_asks_to_be_seen_today_for_a_day_only() -> None:
    over = Cramp(T0 - dt.timedelta(hours=23), at_night=False, lasted_minutes=11)
    assert [a.key for a in advice([over], T0)] == ["long"]
    assert advice([over], T0)[0].today
    assert advice([Cramp(over.started_at, False, 10)], T0) == []
    assert advice([Cramp(T0 - dt.timedelta(hours=25), False, 30)], T0) == []


def test_night_cramps_in_each_of_four_weeks_suggest_a_doctor_three_do_not() -> None:
    weekly = [night(T0 - dt.timedelta(days=1 + 7 * n)) for n in range(4)]
    assert [a.key for a in advice(weekly, T0)] == ["nightly"]
    assert advice(weekly[:3], T0) == []
    # A week without one breaks the run.
    gap = [night(T0 - dt.timedelta(days=d)) for d in (1, 8, 22, 23)]
    assert advice(gap, T0) == []
    # Day cramps do not count as night cramps.
    days = [Cramp(c.started_at, False, None) for c in weekly]
    assert advice(days, T0) == []


def test_three_cramps_in_seven_days_suggest_a_doctor_two_do_not() -> None:
    three = [Cramp(T0 - dt.timedelta(days=d), False, None) for d in (0.5, 3, 6.9)]
    assert [a.key for a in advice(three, T0)] == ["often"]
    assert advice(three[:2], T0) == []
    # Exactly seven days ago is outside the window.
    edge = [*three[:2], Cramp(T0 - dt.timedelta(days=7), False, None)]
    assert advice(edge, T0) == []


# Charts (pure) --------------------------------------------------------------------------------


def test_columns_scale_the_tallest_to_the_plot_and_keep_the_numbers() -> None:
    chart = column_chart("Cramps per week", "cramps", [("a", 0), ("b", 2), ("c", 4)])
    heights = [bar.height for bar in chart.bars]
    baseline = chart.axis[1]
    assert heights[0] == 0
    assert heights[2] == 2 * heights[1]
    assert all(bar.y + bar.height == baseline for bar in chart.bars)
    assert min(bar.y for bar in chart.bars) > 0  # room for the value above the tallest
    assert baseline < HEIGHT
    assert all(bar.x > 0 and bar.x + bar.width < WIDTH for bar in chart.bars)
    assert [bar.shown for bar in chart.bars] == ["0", "2", "4"]
    assert not chart.empty and chart.total == 6
    assert column_chart("x", "y", [("a", 0)]).empty


def test_twelve_weekly_labels_are_thinned_and_the_latest_week_is_always_named() -> None:
    chart = column_chart("w", "cramps", [(str(n), n) for n in range(12)])
    assert [bar.label for bar in chart.bars if bar.labelled] == ["1", "3", "5", "7", "9", "11"]


def test_rows_put_names_left_and_bars_in_proportion() -> None:
    chart = row_chart("By muscle", "cramps", [("Calf", 6), ("Foot", 3), ("Thigh", 0)])
    assert chart.horizontal
    calf, foot, thigh = chart.bars
    assert calf.width == 2 * foot.width and thigh.width == 0
    assert calf.x == foot.x > calf.label_x == 0
    assert calf.value_x + 20 <= WIDTH  # the value fits after the longest bar
    assert chart.height == 3 * calf.height + 2 * (foot.y - calf.y - calf.height)


# The pages ------------------------------------------------------------------------------------


def cramp(user: Any, at: dt.datetime, **fields: Any) -> CrampEntry:
    values = {"muscle": "calf", "side": "left", "intensity": 5, **fields}
    return CrampEntry.objects.create(user=user, started_at=at, **values)


@pytest.mark.django_db
def test_insights_show_the_hand_counted_figures_and_the_advice(
    client_sam: Client, sam: AbstractBaseUser, clock: Any
) -> None:
    for n in range(4):  # a night cramp each week for four weeks
        cramp(sam, T0 - dt.timedelta(days=1 + 7 * n), context="night", muscle="foot")
    cramp(sam, T0 - dt.timedelta(hours=2), lasted_minutes=14)
    cramp(make_user("robin"), T0 - dt.timedelta(hours=1), lasted_minutes=30)
    routine = make_routine(title="Calf stretch")
    for rating in (5, 4):
        run = Run.begin(routine, user=sam, lead_in=False, now=T0)
        Run.objects.filter(pk=run.pk).update(rating=rating)

    response = client_sam.get(reverse("diary_insights"))
    text = main_text(response)
    assert "over the last 12 weeks: 5 cramps" in text
    assert "Get seen today" in text and "lasted 14 minutes" in text
    assert f"{LONG_CRAMP_ADVICE} {NOT_AN_EMERGENCY}" in text
    assert "Consider seeing a doctor" in text
    assert "at least once a week for 4 weeks" in text
    assert "Calf stretch rated 4.5 of 5 on average, 2 times" in text
    html = response.content.decode()
    assert html.count("<svg") == 3
    # The screen-reader tables: the muscle chart counts 4 foot and 1 calf.
    assert '<th scope="row">Foot or toes</th><td>4</td>' in html
    assert '<th scope="row">Calf</th><td>1</td>' in html


@pytest.mark.django_db
def test_history_lists_finished_routines_streak_and_minutes(
    client_sam: Client, sam: AbstractBaseUser, clock: Any
) -> None:
    bedtime = make_routine(title="Bedtime stretches", purpose=Purpose.PREVENTION)
    for days_ago in (0, 1, 2, 4):
        start = T0 - days_ago * DAY
        run = Run.begin(bedtime, user=sam, lead_in=False, now=start)
        Run.objects.filter(pk=run.pk).update(
            finished_at=start + dt.timedelta(minutes=6), total_paused_ms=60_000
        )
    early = Run.begin(bedtime, user=sam, lead_in=False, now=T0 - 3 * DAY)
    Run.objects.filter(pk=early.pk).update(finished_at=T0 - 3 * DAY, ended_early=True)

    text = main_text(client_sam.get(reverse("diary_history")))
    assert "3 days in a row with a prevention routine" in text
    assert text.count("Bedtime stretches") == 4  # the run ended early is not listed
    assert "5 min" in text  # 6 minutes less 1 paused
    html = client_sam.get(reverse("diary_history")).content.decode()
    # 5 minutes each: Monday 12, Tuesday 13 and Wednesday 14; Saturday 10 the week before.
    assert '<th scope="row">12 Jan</th><td>15</td>' in html
    assert '<th scope="row">5 Jan</th><td>5</td>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["diary_insights", "diary_history"])
def test_guests_are_sent_to_log_in(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    htmx = client.get(reverse(name), **HTMX)
    assert htmx["HX-Redirect"].startswith(reverse("login"))
    assert client.post(reverse(name)).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["diary_insights", "diary_history"])
def test_the_pages_run_the_same_queries_for_a_big_diary(
    client_sam: Client, sam: AbstractBaseUser, clock: Any, name: str
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_sam.get(reverse(name)).status_code == 200
        return len(captured)

    small = queries()
    routine = make_routine(title="Calf stretch", purpose=Purpose.PREVENTION)
    CrampEntry.objects.bulk_create(
        CrampEntry(
            user=sam,
            started_at=T0 - n * dt.timedelta(hours=7),
            muscle="calf",
            side="left",
            intensity=1 + n % 10,
            context="night",
        )
        for n in range(300)
    )
    for n in range(30):
        run = Run.begin(routine, user=sam, lead_in=False, now=T0 - n * DAY)
        Run.objects.filter(pk=run.pk).update(
            finished_at=T0 - n * DAY + dt.timedelta(minutes=5), rating=1 + n % 5
        )
    # bulk_create and update() send no signal: noted as the app's own writes would be.
    Profile.note_changes(sam.pk, "entries", "runs", "finished")
    assert queries() == small
