"""The doctor's one-page summary and the CSV of every entry (read back, injection included)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from routines.diary.models import CrampEntry
from routines.diary.summary import safe_cell
from routines.player.models import Run

from .factories import make_routine
from .helpers.html import main_text
from .helpers.people import make_user
from .helpers.reminders import make_reminder

pytestmark = pytest.mark.django_db

#: Wednesday 14 January 2026, 12:00 UTC (13:00 in Berlin, Sam's zone).
T0 = dt.datetime(2026, 1, 14, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def frozen(clock: Any) -> Any:
    return clock


def cramp(user: Any, at: dt.datetime, **fields: Any) -> CrampEntry:
    values = {"muscle": "calf", "side": "left", "intensity": 5, **fields}
    return CrampEntry.objects.create(user=user, started_at=at, **values)


def test_the_summary_counts_the_range_by_hand(client_sam: Client, sam: AbstractBaseUser) -> None:
    cramp(sam, T0 - DAY, intensity=8, lasted_minutes=1, context="night")
    cramp(sam, T0 - 2 * DAY, muscle="foot", side="right", intensity=4, lasted_minutes=4)
    cramp(sam, T0 - 9 * DAY, intensity=6, lasted_minutes=15, context="night")
    cramp(sam, T0 - 200 * DAY)  # outside the last 12 weeks
    cramp(make_user("robin"), T0 - DAY, muscle="thigh")
    routine = make_routine(title="Calf stretch")
    for rating in (4, None, 5):
        run = Run.begin(routine, user=sam, lead_in=False, now=T0 - 3 * DAY)
        Run.objects.filter(pk=run.pk).update(rating=rating)
    make_reminder(sam)

    text = main_text(client_sam.get(reverse("diary_summary")))
    assert "Leg cramp diary: 27 Oct 2025 to 14 Jan 2026" in text
    assert "3 cramps in 12 weeks (about 0.2 a week)" in text
    assert "Muscles: calf 2, foot or toes 1." in text
    assert "Side: left 2, right 1." in text
    assert "Doing: at night, in bed 2." in text
    assert "1 minute or less: 1" in text and "3 to 5 minutes: 1" in text
    assert "More than 10 minutes: 1" in text
    assert "Intensity (1 to 10): median 6, from 4 to 8" in text
    assert "Calf stretch: 3 times, helped 4.5 of 5 on average (2 ratings)" in text
    assert "Drink a glass of water: Every 2 hours" in text
    assert "thigh" not in text.lower().split("leg cramp diary")[1].split("routines tried")[0]


def test_a_chosen_range_and_bad_ranges(client_sam: Client, sam: AbstractBaseUser) -> None:
    cramp(sam, T0 - DAY)
    cramp(sam, T0 - 40 * DAY)
    url = reverse("diary_summary")

    text = main_text(client_sam.get(url, {"start": "2025-12-01", "end": "2025-12-31"}))
    assert "1 Dec 2025 to 31 Dec 2025" in text
    assert "1 cramp in 5 weeks" in text

    for bad, message in [
        ({"start": "2026-01-10", "end": "2026-01-02"}, "“From” is after “To”: swap them."),
        ({"start": "2026-01-01", "end": "2026-02-01"}, "The summary can only go up to today."),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "One summary covers a year at most."),
        ({"start": "yesterday", "end": "2026-01-01"}, "Enter a valid date."),
    ]:
        response = client_sam.get(url, bad)
        assert response.status_code == 400
        text = main_text(response)
        assert message in text
        assert "showing the last 12 weeks instead" in text
        assert "2 cramps in 12 weeks" in text


def test_the_summary_runs_the_same_queries_for_a_big_diary(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    def queries() -> int:
        caches["diary"].clear()  # rendered afresh each time, not partly kept (freshness.py)
        with CaptureQueriesContext(connection) as captured:
            assert client_sam.get(reverse("diary_summary")).status_code == 200
        return len(captured)

    small = queries()
    CrampEntry.objects.bulk_create(
        CrampEntry(
            user=sam,
            started_at=T0 - n * dt.timedelta(hours=9),
            muscle="calf",
            side="left",
            intensity=1 + n % 10,
            lasted_minutes=1 + n % 20,
        )
        for n in range(400)
    )
    make_reminder(sam)
    make_reminder(sam, interval_minutes=60)
    assert queries() == small


def read_csv(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_has_every_entry_oldest_first_in_local_time(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    cramp(sam, T0 - DAY, intensity=8, lasted_minutes=3, context="night", helped="Walking")
    cramp(sam, T0 - 500 * DAY, muscle="foot", side="both", notes="Line one\nline two")
    cramp(make_user("robin"), T0, notes="Robin's")

    response = client_sam.get(reverse("diary_csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="unknot-cramp-diary-2026-01-14.csv"'
    )
    rows = read_csv(response)
    assert rows[0][:4] == ["Started (local time)", "Muscle", "Side", "Intensity (1-10)"]
    assert rows[1] == [
        "2024-09-01 14:00",
        "Foot or toes",
        "Both",
        "5",
        "",
        "",
        "",
        "Line one\nline two",
        "",
    ]
    assert rows[2] == [
        "2026-01-13 13:00",
        "Calf",
        "Left",
        "8",
        "3",
        "At night, in bed",
        "Walking",
        "",
        "",
    ]
    assert len(rows) == 3


@pytest.mark.parametrize("attack", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_csv_cells_that_a_spreadsheet_would_run_stay_text(
    client_sam: Client, sam: AbstractBaseUser, attack: str
) -> None:
    cramp(sam, T0, helped=attack, notes=attack)
    row = read_csv(client_sam.get(reverse("diary_csv")))[1]
    assert row[6] == row[7] == "'" + attack
    assert safe_cell("fine") == "fine" and safe_cell(None) == ""


@pytest.mark.parametrize("name", ["diary_summary", "diary_csv"])
def test_guests_are_sent_to_log_in(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(reverse(name), **HTMX)["HX-Redirect"].startswith(reverse("login"))
    assert client.post(reverse(name)).status_code == 405


def test_the_summary_hides_the_site_around_it_when_printed(client_sam: Client) -> None:
    html = client_sam.get(reverse("diary_summary")).content.decode()
    assert '<body class="print-page">' in html
    assert 'class="no-print"' in html
