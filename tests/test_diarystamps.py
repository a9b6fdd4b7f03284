"""The diary's change counters on the profile (Profile.CHANGES, diary/signals.py): moved by
every kind of write the app makes, never by a control on a run still going, never moved back
by a stale profile saved, and not once per row when an account is deleted. Each page test
first views the pages (so their parts are kept), then writes the way the app does, then checks
the next view (test_diaryfast.py covers cramps logged, edited and deleted, runs finished and
rated, the zone and the day)."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from routines.accounts.models import Profile
from routines.content.library.routines import BEDTIME
from routines.content.models import Purpose, Routine
from routines.diary.insights import bedtime_reminder_on
from routines.diary.models import CrampEntry
from routines.player.models import Run
from routines.privacy.services import delete_everything
from routines.reminders.models import Reminder, ReminderKind

from .factories import make_routine
from .helpers.html import main_text
from .helpers.people import PASSWORD, make_user, signed_in
from .helpers.reminders import make_reminder

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
#: A Wednesday, 13:00 in Berlin.
T0 = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)


def text(client: Client, name: str) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", main_text(response))


def counters(user: Any) -> tuple[int, int, int]:
    profile = Profile.objects.get(user=user)
    return profile.entries_changes, profile.runs_changes, profile.finished_changes


def cramp(user: Any, **fields: Any) -> CrampEntry:
    values = {"muscle": "calf", "side": "left", "intensity": 3} | fields
    return CrampEntry.objects.create(user=user, started_at=timezone.now(), **values)


def test_a_stale_profile_saved_never_moves_a_counter_back(sam: AbstractBaseUser) -> None:
    stale = Profile.objects.get(user=sam)
    Profile.note_changes(sam.pk, "entries", "runs")
    stale.timezone = "Europe/Paris"
    stale.save()  # as the settings form saves it
    assert counters(sam) == (1, 1, 0)
    assert Profile.objects.get(user=sam).timezone == "Europe/Paris"
    stale.entries_changes = 7  # named: written, as asked
    stale.save(update_fields=["entries_changes"])
    assert counters(sam) == (7, 1, 0)


def test_the_settings_form_leaves_the_counters_as_they_are(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    before = counters(sam)
    cramp(sam)
    settings = {"timezone": "America/New_York", "quiet_start": "21:00", "quiet_end": "07:00"}
    assert client_sam.post(reverse("reminder_settings"), settings).status_code == 302
    assert counters(sam) == (before[0] + 1, before[1], before[2])


def test_controls_on_a_run_still_going_cost_no_query_for_the_diary(
    client_sam: Client, sam: AbstractBaseUser, clock: Any
) -> None:
    routine = make_routine("Calf stretch", steps=[{"duration_seconds": 600}] * 3)
    entries, runs, finished = counters(sam)  # (signing in moves them all: signals.py)
    url = client_sam.post(reverse("start_run", args=[routine.slug]))["Location"]
    assert counters(sam) == (entries, runs + 1, finished)  # the summary's routines tried
    for n, action in enumerate(("pause", "resume", "skip", "back")):
        fields = {"action": action, "control_id": f"c{n}"}
        if action == "skip":
            fields["phase"] = "0"
        clock.shift(5)
        with CaptureQueriesContext(connection) as captured:
            response = client_sam.post(url + "control/", fields, **JSON)
        assert response.status_code == 200, (action, response.content[:200])
        assert not [q for q in captured.captured_queries if q["sql"].startswith('UPDATE "acc')]
        assert len(captured) == 6  # as a guest's (test_player_queries.py), and the user
    assert counters(sam) == (entries, runs + 1, finished)
    assert client_sam.post(url + "control/", {"action": "end", "control_id": "e"}, **JSON).json()
    assert counters(sam) == (entries, runs + 2, finished + 1)  # ended early: a finish


def test_a_run_begun_ended_early_and_rated_shows_on_the_next_views(
    client_sam: Client, sam: AbstractBaseUser, clock: Any
) -> None:
    steps = [{"duration_seconds": 600}, {"duration_seconds": 600}]
    routine = make_routine("Calf stretch", purpose=Purpose.PREVENTION, steps=steps)
    assert "Calf stretch" not in text(client_sam, "diary_summary")
    history = text(client_sam, "diary_history")
    assert "Minutes per week Nothing logged in this time yet" in history
    url = client_sam.post(reverse("start_run", args=[routine.slug]))["Location"]
    assert "Calf stretch: 1 time" in text(client_sam, "diary_summary")  # begun
    clock.shift(4 * 60)
    assert client_sam.post(url + "control/", {"action": "pause", "control_id": "p"}, **JSON)
    assert text(client_sam, "diary_history") == history  # not finished: not in the history
    assert client_sam.post(url + "control/", {"action": "end", "control_id": "e"}, **JSON).json()
    assert Run.objects.get().ended_early
    # Ended early: its minutes count (not the streak, nor the list of routines finished).
    assert "Nothing logged in this time yet" not in text(client_sam, "diary_history")
    client_sam.post(url + "rate/", {"rating": "5"})
    assert "Calf stretch rated 5.0 of 5 on average, 1 time" in text(client_sam, "diary_insights")
    assert "helped 5.0 of 5 on average (1 rating)" in text(client_sam, "diary_summary")


def test_an_offline_run_uploaded_shows_on_the_next_views(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    routine = make_routine("Calf stretch", purpose=Purpose.PREVENTION)
    assert "No prevention routine" in text(client_sam, "diary_history")
    before = text(client_sam, "diary_summary")
    data = {
        "client_id": str(uuid.uuid4()),
        "routine": routine.slug,
        "lead_in": "",
        "started_at": "1000",
        "sent_at": str(1000 + 30 * 60 * 1000),  # half an hour: every step has run out
        "controls": json.dumps([]),
    }
    assert client_sam.post("/runs/offline/", data).status_code == 303
    assert Run.objects.get(user=sam).finished_at is not None
    assert "1 day in a row" in text(client_sam, "diary_history")
    summary = text(client_sam, "diary_summary")
    assert summary != before and "Calf stretch: 1 time" in summary


def test_cramps_deleted_in_the_admin_leave_the_pages_at_once(
    admin_client: Client, sam: AbstractBaseUser, client_sam: Client
) -> None:
    kept, gone = cramp(sam, muscle="foot"), cramp(sam, muscle="hamstring")
    guest = CrampEntry.objects.create(
        user=None, started_at=timezone.now(), muscle="calf", side="left", intensity=2
    )
    assert "Back of thigh" in text(client_sam, "diary")
    response = admin_client.post(
        reverse("admin:diary_crampentry_changelist"),
        {"action": "delete_selected", "_selected_action": [gone.pk, guest.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CrampEntry.objects.filter(pk__in=[gone.pk, guest.pk]).exists()
    page = text(client_sam, "diary")
    assert "Back of thigh" not in page and "Foot or toes" in page and kept.pk


def test_a_run_deleted_in_the_admin_leaves_the_history_at_once(
    admin_client: Client, sam: AbstractBaseUser, client_sam: Client
) -> None:
    routine = make_routine("Calf stretch", purpose=Purpose.PREVENTION)
    run = Run.begin(routine, user=sam, lead_in=False, now=timezone.now())
    run.finished_at, run.phase = timezone.now(), len(run.phases)
    run.save()
    assert "1 day in a row" in text(client_sam, "diary_history")
    response = admin_client.post(reverse("admin:player_run_delete", args=[run.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Run.objects.exists()
    assert "No prevention routine" in text(client_sam, "diary_history")
    assert "Calf stretch" not in text(client_sam, "diary_summary")


@pytest.mark.parametrize("how", ["log in", "sign up"])
def test_a_guests_runs_and_cramps_claimed_show_on_the_pages_viewed_before(
    client: Client, how: str, clock: Any
) -> None:
    routine = make_routine("Calf stretch", purpose=Purpose.PREVENTION)
    kim = make_user("kim", timezone="Europe/Berlin") if how == "log in" else None
    own = signed_in(kim) if kim is not None else None
    if own is not None:
        assert "No prevention routine" in text(own, "diary_history")
        assert "0 cramps" in text(own, "diary_insights")
    url = client.post(reverse("start_run", args=[routine.slug]))["Location"]
    clock.shift(30 * 60)
    assert client.get(url).status_code == 200  # every step has run out: finished
    assert Run.objects.get(finished_at__isnull=False, ended_early=False)
    quick = {"from": "", "muscle": "calf", "side": "right", "intensity": "6"}
    assert client.post(reverse("diary_log"), quick).status_code == 302
    if how == "log in":
        client.post(reverse("login"), {"username": "kim", "password": PASSWORD})
    else:
        form = {"username": "kim", "password1": PASSWORD, "password2": PASSWORD, "email": ""}
        assert client.post(reverse("signup"), form).status_code == 302
    person = Run.objects.get().user
    assert person is not None and person.get_username() == "kim"
    assert CrampEntry.objects.get().user == person
    viewer = own or client
    assert "1 day in a row" in text(viewer, "diary_history")
    assert "over the last 12 weeks: 1 cramp." in text(viewer, "diary_insights")
    assert "Calf stretch: 1 time" in text(viewer, "diary_summary")


def test_deleting_an_account_costs_no_query_per_row(sam: AbstractBaseUser) -> None:
    """As before the counters (measured): 19 queries on SQLite for one cramp and one run; the
    runs, which Django reads to set their cramps' link to null, deleted 100 at a time (two
    more for 250), the cramps at once; the counters are never moved (the profile goes)."""
    routine = make_routine("Calf stretch")
    counts = []
    for name, size in (("few", 1), ("many", 250)):
        person = make_user(name)
        for _ in range(size):
            run = Run.begin(routine, user=person, lead_in=False, now=timezone.now())
            run.finished_at = timezone.now() + dt.timedelta(minutes=3)
            run.save()
            cramp(person, run=run)
        pk = person.pk
        with CaptureQueriesContext(connection) as captured:
            delete_everything(person, timezone.now())
        assert not Run.objects.filter(user_id=pk).exists()
        assert not CrampEntry.objects.filter(user_id=pk).exists()
        sql = [q["sql"] for q in captured.captured_queries]
        assert not [q for q in sql if q.startswith("UPDATE") and "accounts_profile" in q]
        counts.append(len(sql))
    assert counts[1] == counts[0] + 2
    if connection.vendor == "sqlite":
        assert counts[0] == 19


def test_the_insights_bedtime_statement_says_what_the_orm_says(sam: AbstractBaseUser) -> None:
    def both() -> tuple[bool, bool]:
        said = Reminder.objects.filter(
            user=sam, kind=ReminderKind.STRETCH, routine__slug=BEDTIME.slug, enabled=True
        ).exists()
        return bedtime_reminder_on(sam), said

    assert both() == (False, False)
    bedtime = Routine.objects.filter(slug=BEDTIME.slug).first() or make_routine(
        BEDTIME.title, slug=BEDTIME.slug
    )
    other = make_reminder(sam, interval_minutes=90)  # not the bedtime stretches
    assert both() == (False, False)
    reminder = make_reminder(sam, kind=ReminderKind.STRETCH, routine=bedtime)
    assert both() == (True, True)
    reminder.enabled = False
    reminder.save()
    assert both() == (False, False)
    make_reminder(make_user("robin-9"), kind=ReminderKind.STRETCH, routine=bedtime)
    assert both() == (False, False) and other.enabled
