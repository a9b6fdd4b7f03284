"""The diary's pages right after each kind of write: every part a page keeps (freshness.py,
rows.py) is made again when what it shows changed, and only then. Each test first views the
pages (so their parts are kept), then writes the way the app does, then checks the next view.
The clock moves on a second before each write, as it does between a person's taps (the
versions are counters now, moved by every write, but the pages' times stay realistic).
test_diarystamps.py covers the other writes: runs begun, ended early, uploaded offline,
deleted in the admin, cramps deleted in bulk, guest records claimed at sign-up."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from routines.content.models import Purpose, Routine
from routines.diary import freshness
from routines.diary import rows as diary_rows
from routines.diary.freshness import CACHE, diary_versions, keep_made, made_before
from routines.diary.models import CrampEntry
from routines.diary.moments import rows_of_sql, rows_with_moments
from routines.player.models import Run

from .factories import make_routine
from .helpers.html import main_text
from .helpers.people import PASSWORD, make_user, signed_in

pytestmark = pytest.mark.django_db

#: A Wednesday, 13:00 in Berlin (Sam's zone).
T0 = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
PAGES = ("diary", "diary_history", "diary_insights", "diary_summary")


def text(client: Client, name: str) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", main_text(response))


def view_all(client: Client) -> dict[str, str]:
    """Every diary page once: their parts are kept from here on."""
    return {name: text(client, name) for name in PAGES}


def cramp(user: Any, at: dt.datetime, **fields: Any) -> CrampEntry:
    values = {"muscle": "calf", "side": "left", "intensity": 3} | fields
    return CrampEntry.objects.create(user=user, started_at=at, **values)


def finished(user: Any, routine: Routine, at: dt.datetime, minutes: int = 5) -> Run:
    """A run followed to the end, saved as the player saves it."""
    run = Run.begin(routine, user=user, lead_in=False, now=at)
    run.finished_at, run.phase = at + dt.timedelta(minutes=minutes), len(run.phases)
    run.save()
    return run


def test_every_page_shows_a_cramp_logged_edited_and_deleted_right_after(
    client_sam: Client, sam: AbstractBaseUser, clock: Any
) -> None:
    cramp(sam, T0 - DAY, intensity=3)
    before = view_all(client_sam)
    assert "1 cramp" in before["diary_insights"] and "1 cramp " in before["diary_summary"]

    clock.shift(1)
    response = client_sam.post(
        reverse("diary_log"), {"muscle": "foot", "side": "right", "intensity": "7"}
    )
    assert response.status_code == 302
    logged = CrampEntry.objects.get(muscle="foot")
    pages = view_all(client_sam)
    assert "Foot or toes, right 7/10" in pages["diary"]
    assert "over the last 12 weeks: 2 cramps" in pages["diary_insights"]
    muscles = "Which Cramps Calf 1 Foot or toes 1 Back of thigh 0"  # the chart's table
    assert muscles in pages["diary_insights"]
    assert "2 cramps in 12 weeks" in pages["diary_summary"]
    assert "from 3 to 7" in pages["diary_summary"]

    # An intensity changed: the list and the summary show it; the insights do not show it.
    form = {"muscle": "foot", "side": "right", "intensity": "9"}
    form["started_at"] = logged.started_at.astimezone(sam.profile.zone).strftime("%Y-%m-%dT%H:%M")
    clock.shift(1)
    assert client_sam.post(reverse("diary_edit", args=[logged.pk]), form).status_code == 302
    pages = view_all(client_sam)
    assert "Foot or toes, right 9/10" in pages["diary"] and "7/10" not in pages["diary"]
    assert "from 3 to 9" in pages["diary_summary"]
    assert "2 cramps" in pages["diary_insights"] and muscles in pages["diary_insights"]

    # The muscle changed: every page that shows it follows.
    form["muscle"] = "hamstring"
    clock.shift(1)
    assert client_sam.post(reverse("diary_edit", args=[logged.pk]), form).status_code == 302
    pages = view_all(client_sam)
    assert "Back of thigh, right 9/10" in pages["diary"]
    assert "Which Cramps Calf 1 Foot or toes 0 Back of thigh 1" in pages["diary_insights"]
    assert "back of thigh 1" in pages["diary_summary"]

    clock.shift(1)
    assert client_sam.post(reverse("diary_delete", args=[logged.pk])).status_code == 302
    pages = view_all(client_sam)
    assert "Back of thigh" not in pages["diary"]
    assert "over the last 12 weeks: 1 cramp." in pages["diary_insights"]
    assert "1 cramp in 12 weeks" in pages["diary_summary"]
    # Back to the diary as it was: the pages are the same as before the cramp was logged.
    assert pages == before


def test_history_insights_and_summary_follow_a_run_finished_and_rated(
    client_sam: Client, sam: AbstractBaseUser, clock: Any
) -> None:
    routine = make_routine("Calf stretch", purpose=Purpose.PREVENTION)
    finished(sam, routine, T0 - DAY)
    pages = view_all(client_sam)
    assert "1 day in a row" in pages["diary_history"]
    assert "rate whether it helped" in pages["diary_insights"]

    clock.shift(1)
    run = Run.begin(routine, user=sam, lead_in=False, now=T0 - dt.timedelta(minutes=20))
    assert "1 day in a row" in text(client_sam, "diary_history")  # begun, not finished
    clock.shift(1)
    run.finished_at, run.phase = T0 - dt.timedelta(minutes=12), len(run.phases)
    run.save()
    history = text(client_sam, "diary_history")
    assert "2 days in a row" in history
    assert "Wed 4 Mar, 12:40 · 8 min" in history  # the run just finished, in Berlin time
    assert "helped" not in history

    clock.shift(1)
    response = client_sam.post(reverse("rate_run", args=[run.id]), {"rating": "4"})
    assert response.status_code == 303
    pages = view_all(client_sam)
    assert "Wed 4 Mar, 12:40 · 8 min · helped 4/5" in pages["diary_history"]
    html = client_sam.get(reverse("diary_history")).content.decode()
    assert f'<a href="{run.get_absolute_url()}">Calf stretch</a>' in html
    assert "2 days in a row" in pages["diary_history"]
    assert "Calf stretch rated 4.0 of 5 on average, 1 time" in pages["diary_insights"]
    assert "Calf stretch: 2 times, helped 4.0 of 5 on average (1 rating)" in pages["diary_summary"]


def test_the_pages_follow_a_change_of_zone(
    client_sam: Client, sam: AbstractBaseUser, clock: Any
) -> None:
    cramp(sam, T0)
    finished(sam, make_routine("Calf stretch"), T0)
    pages = view_all(client_sam)
    assert "Wed 4 Mar 2026, 13:00" in pages["diary"]
    assert "Wed 4 Mar, 13:00" in pages["diary_history"]

    clock.shift(1)
    settings = {"timezone": "America/New_York", "quiet_start": "21:00", "quiet_end": "07:00"}
    assert client_sam.post(reverse("reminder_settings"), settings).status_code == 302
    pages = view_all(client_sam)
    assert "Wed 4 Mar 2026, 07:00" in pages["diary"]
    assert "Wed 4 Mar, 07:00" in pages["diary_history"]
    assert "13:00" not in pages["diary"] + pages["diary_history"]


def test_the_pages_follow_the_day_rolling_over(
    client_sam: Client, sam: AbstractBaseUser, clock: Any
) -> None:
    finished(sam, make_routine("Calf stretch"), T0 - dt.timedelta(hours=1))
    cramp(sam, T0 - dt.timedelta(hours=2))
    pages = view_all(client_sam)
    assert "1 day in a row" in pages["diary_history"]
    assert "over the last 12 weeks: 1 cramp." in pages["diary_insights"]

    clock.move_to(T0 + DAY)  # Thursday: yesterday's routine still counts
    assert "1 day in a row" in text(client_sam, "diary_history")
    clock.move_to(T0 + 2 * DAY)  # Friday: the streak is broken
    assert "No prevention routine in the last day" in text(client_sam, "diary_history")
    clock.move_to(T0 + 12 * 7 * DAY)  # the cramp's week has left the 12 weeks
    assert "over the last 12 weeks: 0 cramps." in text(client_sam, "diary_insights")
    assert "0 cramps in 12 weeks" in text(client_sam, "diary_summary")


def test_guest_cramps_claimed_on_log_in_show_on_the_pages_viewed_before(
    client: Client, clock: Any
) -> None:
    kim = make_user("kim", timezone="Europe/Berlin")
    own = signed_in(kim)
    assert "0 cramps" in text(own, "diary_insights")
    clock.shift(1)
    quick = {"from": "", "muscle": "calf", "side": "right", "intensity": "6"}
    assert client.post(reverse("diary_log"), quick).status_code == 302
    client.post(reverse("login"), {"username": "kim", "password": PASSWORD})
    assert CrampEntry.objects.get().user == kim
    assert "over the last 12 weeks: 1 cramp." in text(own, "diary_insights")
    assert "Calf, right 6/10" in text(own, "diary")


def test_the_counters_move_with_what_each_part_shows(sam: AbstractBaseUser, clock: Any) -> None:
    """ "runs" moves with a run started, finished, rated or deleted; "finished" with a finish
    or a finished run deleted, not a rating, a start or a control on a run still going."""
    routine = make_routine("Calf stretch")

    def now() -> tuple[int, int]:
        versions = diary_versions(sam, ("runs", "finished"))
        return versions["runs"], versions["finished"]

    first = finished(sam, routine, T0 - 2 * DAY)
    seen = now()
    first.rating = 5
    first.save(update_fields=["rating", "updated_at"])
    assert now() == (seen[0] + 1, seen[1])  # a rating: the runs, not the finished times
    running = Run.begin(routine, user=sam, lead_in=False, now=T0 - DAY)
    assert now() == (seen[0] + 2, seen[1])  # begun: the summary's routines tried
    running.apply_control("pause", T0 - DAY + dt.timedelta(seconds=20))
    assert now() == (seen[0] + 2, seen[1])  # a control on a run still going: nothing
    running.rating = 4  # rated before the end (the rating form does not ask): the runs
    running.save(update_fields=["rating", "updated_at"])
    assert now() == (seen[0] + 3, seen[1])
    seen = (seen[0] + 1, seen[1])
    running.finished_at, running.phase = T0 - DAY + dt.timedelta(minutes=3), 1
    running.save()
    assert now() == (seen[0] + 3, seen[1] + 1)
    first.delete()
    assert now() == (seen[0] + 4, seen[1] + 2)
    Run.begin(routine, user=sam, lead_in=False, now=T0).delete()  # never finished
    assert now() == (seen[0] + 6, seen[1] + 2)
    CrampEntry.objects.create(
        user=None, started_at=T0, muscle="calf", side="left", intensity=3
    ).delete()  # a guest's: nobody's counters
    assert diary_versions(sam, ("entries",))["entries"] == 0


@pytest.mark.parametrize("slots", ["hashed", "one"])
def test_a_part_made_before_is_reused_only_for_equal_inputs_until_it_expires(
    slots: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if slots == "one":  # as if every hash collided: the inputs compared whole still tell
        monkeypatch.setattr(freshness, "_slot", lambda key, inputs: key)
    now = T0
    rows = ((T0, "calf", "night", None), (T0 - DAY, "foot", "", 3))
    keep_made("k", rows, "made", now + DAY)
    assert made_before("k", tuple(rows), now) == "made"
    assert made_before("k", ((T0, "calf", "night", 4), rows[1]), now) is None
    assert made_before("k", rows[:1], now) is None
    assert made_before("other", rows, now) is None
    assert made_before("k", rows, now + DAY) is None  # its advice may have changed by then


def test_after_an_edit_only_the_edited_entrys_item_is_made_again(
    client_sam: Client, sam: AbstractBaseUser, monkeypatch: pytest.MonkeyPatch, clock: Any
) -> None:
    entries = [cramp(sam, T0 - n * dt.timedelta(hours=5), intensity=1 + n % 10) for n in range(60)]
    made: list[int] = []
    original = diary_rows._entry_item

    def counted(row: tuple[Any, ...], *args: Any) -> Any:
        made.append(row[0])
        return original(row, *args)

    monkeypatch.setattr(diary_rows, "_entry_item", counted)
    text(client_sam, "diary")
    assert len(made) == 50  # the first page, made once
    made.clear()
    entry = entries[3]
    clock.shift(1)
    entry.intensity = 10 if entry.intensity != 10 else 1
    entry.save()
    assert f"{entry.intensity}/10" in text(client_sam, "diary")
    assert made == [entry.pk]
    made.clear()
    caches[CACHE].clear()  # nothing kept: every item made again, the same
    page = text(client_sam, "diary")
    assert len(made) == 50 and f"{entry.intensity}/10" in page


def test_the_history_streak_is_not_made_again_for_a_rating(
    client_sam: Client, sam: AbstractBaseUser, monkeypatch: pytest.MonkeyPatch, clock: Any
) -> None:
    from routines.diary import views

    run = finished(sam, make_routine("Calf stretch"), T0 - DAY)
    calls: list[str] = []
    original = views.history_totals
    monkeypatch.setattr(
        views, "history_totals", lambda *args: calls.append("totals") or original(*args)
    )
    text(client_sam, "diary_history")
    clock.shift(1)
    client_sam.post(reverse("rate_run", args=[run.id]), {"rating": "3"})
    assert "helped 3/5" in text(client_sam, "diary_history")
    assert calls == ["totals"]


def test_the_insights_advice_still_follows_the_clock_when_the_part_is_reused(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    """Three cramps in 7 days call for a doctor; an intensity edited leaves the cramps the
    insights show as they were (the part is reused), but not past the moment the oldest
    leaves the 7 days."""
    now = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False) as clock:
        made = [cramp(sam, now - dt.timedelta(hours=h)) for h in (1, 2, 7 * 24 - 1)]
        assert "3 cramps in the last 7 days" in text(client_sam, "diary_insights")
        clock.shift(1)
        made[0].intensity = 9
        made[0].save()
        assert "3 cramps in the last 7 days" in text(client_sam, "diary_insights")
        clock.shift(dt.timedelta(hours=2))
        made[1].intensity = 8
        made[1].save()
        assert "Consider seeing a doctor" not in text(client_sam, "diary_insights")


def test_the_list_rows_read_in_one_pass_are_the_orms_own(sam: AbstractBaseUser) -> None:
    run = Run.begin(make_routine('Calf "stretch"'), user=sam, lead_in=False, now=T0)
    cramp(sam, T0, run=run, lasted_minutes=12, context="night", helped="Walking")
    cramp(sam, T0 - DAY)
    listed = CrampEntry.objects.filter(user=sam).values_list(*diary_rows.ENTRY_COLUMNS)
    read = rows_with_moments(listed[:50], diary_rows.ENTRY_MOMENTS, diary_rows.ENTRY_UUIDS)
    assert read == list(listed[:50])
    assert read[0][8] == run.id and read[1][8] is None
    assert rows_with_moments(listed[0:0], diary_rows.ENTRY_MOMENTS) == []  # an empty page


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        # As SQLite keeps a UTC moment: no offset, with or without microseconds.
        ("2026-03-04 12:00:00", dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)),
        ("2026-03-04 12:00:00.250000", dt.datetime(2026, 3, 4, 12, 0, 0, 250000, tzinfo=dt.UTC)),
        # Text with an offset of its own keeps it.
        ("2026-03-04 13:00:00+01:00", dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)),
    ],
)
def test_timestamps_read_as_text_are_utc_moments(text: str, moment: dt.datetime) -> None:
    (row,) = rows_of_sql("SELECT %s, 1", [text])
    assert row == (moment, 1)
    assert row[0].utcoffset() is not None
