"""The diary's pages at speed: a fixed number of queries however big the diary, rendered afresh
after every write and kept rendered otherwise, never shown stale or to someone else
(routines/diary/freshness.py, rows.py, moments.py)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import timezone

from routines.accounts.models import Profile
from routines.content.models import Purpose
from routines.diary.freshness import diary_versions
from routines.diary.models import CrampEntry
from routines.diary.moments import moments_of, rows_with_moments
from routines.diary.stats import Cramp, advice, advice_changes_at
from routines.player.models import Run
from routines.reminders.words import pk_url

from .factories import make_routine
from .helpers.html import main_text
from .helpers.people import make_user, signed_in
from .helpers.reminders import make_reminder

pytestmark = pytest.mark.django_db

PAGES = ("diary", "diary_history", "diary_insights", "diary_summary")
#: Queries of each page, the session and the user included: (rendered afresh, kept, after an
#: entry edited, after a run rated). Every page reads the person's diary versions from their
#: profile, loaded with the user (freshness.py: no query), and each part it shows is made
#: again only if what it shows moved. List: how many entries and a page of them; a rating
#: moves the runs, whose titles the list shows. History: the streak and minutes per week
#: (two), the last runs (one); a rating makes only the last runs again. Insights: whether the
#: bedtime reminder is on (every time), the nightly stretching, the cramps, the rated
#: routines; an edit reads the cramps again, a rating the rated routines. Summary: the
#: reminders (every time), the cramps, the routines.
EXPECTED = {
    "diary": (4, 2, 4, 4),
    "diary_history": (5, 2, 2, 3),
    "diary_insights": (6, 3, 4, 4),
    "diary_summary": (5, 3, 4, 4),
}


def queries(client: Client, name: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name))
    assert response.status_code == 200
    return len(captured), response.content.decode()


def edit(entry: CrampEntry) -> None:
    """A write as the edit form makes it."""
    entry.intensity = entry.intensity % 10 + 1
    entry.save()


def rate(run: Run) -> None:
    """A write as the rating form makes it."""
    run.rating = (run.rating or 0) % 5 + 1
    run.save(update_fields=["rating", "updated_at"])


def give_years(user: Any, entries: int, runs: int) -> None:
    """`entries` cramps and `runs` finished routines (rated, some bedtime) over three years."""
    now = timezone.now()
    routine = make_routine("Calf stretch", purpose=Purpose.PREVENTION)
    start = now - dt.timedelta(days=3 * 365)
    made = []
    for n in range(runs):
        run = Run.begin(routine, user=user, lead_in=False, now=start + n * (now - start) / runs)
        run.finished_at = run.started_at + dt.timedelta(minutes=5)
        run.phase = len(run.phases)
        run.rating = 1 + n % 5
        made.append(run)
    Run.objects.bulk_update(made, ["finished_at", "phase", "rating"])
    CrampEntry.objects.bulk_create(
        CrampEntry(
            user=user,
            started_at=start + n * (now - start) / entries,
            muscle="calf",
            side="left",
            intensity=1 + n % 10,
            lasted_minutes=1 + n % 9,
            context="night" if n % 2 else "",
            run=made[n % len(made)],
        )
        for n in range(entries)
    )


@pytest.mark.parametrize("name", PAGES)
def test_each_page_runs_the_same_queries_for_three_years_as_for_a_day(name: str) -> None:
    small, big = make_user("small", timezone="Europe/Berlin"), make_user("big")
    Profile.objects.filter(user=big).update(timezone="Europe/Berlin")
    give_years(small, 1, 1)
    give_years(big, 400, 500)
    counts = []
    for person in (small, big):
        client = signed_in(person)
        client.get(reverse("home"))  # the parts every page shares, cached for everyone
        afresh, _ = queries(client, name)
        kept, _ = queries(client, name)
        edit(CrampEntry.objects.filter(user=person).first())  # type: ignore[arg-type]
        after_edit, _ = queries(client, name)
        rate(Run.objects.filter(user=person).first())  # type: ignore[arg-type]
        after_rating, _ = queries(client, name)
        counts.append((afresh, kept, after_edit, after_rating))
    assert counts == [EXPECTED[name]] * 2


def test_a_page_after_an_edit_shows_the_edit_and_the_page_kept_before_it_does_not_return(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    entry = CrampEntry.objects.create(
        user=sam, started_at=timezone.now(), muscle="calf", side="left", intensity=3
    )
    assert "3/10" in main_text(client_sam.get(reverse("diary")))
    response = client_sam.post(
        reverse("diary_edit", args=[entry.pk]),
        {"muscle": "foot", "side": "right", "intensity": "8"},
    )
    assert response.status_code == 302
    text = main_text(client_sam.get(reverse("diary")))
    assert "Foot or toes, right 8/10" in text and "3/10" not in text

    client_sam.post(reverse("diary_delete", args=[entry.pk]))
    assert "No cramps logged yet" in main_text(client_sam.get(reverse("diary")))


def test_history_shows_a_rating_given_after_it_was_viewed(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    routine = make_routine("Calf stretch", purpose=Purpose.PREVENTION)
    run = Run.begin(routine, user=sam, lead_in=False, now=timezone.now())
    run.finished_at, run.phase = timezone.now(), len(run.phases)
    run.save()
    assert "helped" not in main_text(client_sam.get(reverse("diary_history")))

    client_sam.post(reverse("rate_run", args=[run.id]), {"rating": "4"})
    assert "helped 4/5" in main_text(client_sam.get(reverse("diary_history")))


def test_the_summary_follows_a_reminder_turned_off(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    reminder = make_reminder(sam, interval_minutes=90)
    assert reminder.title in main_text(client_sam.get(reverse("diary_summary")))
    reminder.enabled = False
    reminder.save()
    text = main_text(client_sam.get(reverse("diary_summary")))
    assert "Reminders in use None." in re.sub(r"\s+", " ", text)


def test_the_insights_advice_follows_the_clock_with_nothing_written(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    """Three cramps in the last 7 days call for a doctor; a moment after the oldest is 7 days
    old, the kept page must not say so any more."""
    now = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False) as clock:
        for hours in (1, 2, 7 * 24 - 1):
            CrampEntry.objects.create(
                user=sam,
                started_at=now - dt.timedelta(hours=hours),
                muscle="calf",
                side="left",
                intensity=4,
            )
        assert "3 cramps in the last 7 days" in main_text(client_sam.get(reverse("diary_insights")))
        clock.shift(dt.timedelta(hours=2))
        text = main_text(client_sam.get(reverse("diary_insights")))
        assert "Consider seeing a doctor" not in text
        assert "3 cramps" in text  # still in the 12 weeks counted


def test_one_persons_kept_page_is_never_anothers(client_sam: Client, sam: AbstractBaseUser) -> None:
    robin = make_user("robin-2", timezone="Europe/Berlin")
    for person, muscle in ((sam, "calf"), (robin, "foot")):
        CrampEntry.objects.create(
            user=person, started_at=timezone.now(), muscle=muscle, side="left", intensity=5
        )
    assert "Calf, left" in main_text(client_sam.get(reverse("diary")))
    text = main_text(signed_in(robin).get(reverse("diary")))
    assert "Foot or toes, left" in text and "Calf" not in text


def test_a_guests_list_is_made_afresh_each_time(client: Client) -> None:
    quick = {"from": "", "muscle": "calf", "side": "left", "intensity": "7"}
    client.post(reverse("diary_log"), quick)
    assert "7/10" in main_text(client.get(reverse("diary")))
    entry = CrampEntry.objects.get()
    entry.intensity = 2
    CrampEntry.objects.filter(pk=entry.pk).update(intensity=2)  # not even a save: no key to miss
    assert "2/10" in main_text(client.get(reverse("diary")))


def diary_version(user: AbstractBaseUser) -> str:
    """The person's counters of their entries and runs."""
    return repr(diary_versions(user, ("entries", "runs")))


def test_the_diary_version_changes_with_every_write_to_entries_and_runs(
    sam: AbstractBaseUser,
) -> None:
    seen = {diary_version(sam)}

    def changed() -> bool:
        version = diary_version(sam)
        new = version not in seen
        seen.add(version)
        return new

    kept, entry = (
        CrampEntry.objects.create(
            user=sam, started_at=timezone.now(), muscle="calf", side="left", intensity=3
        )
        for _ in range(2)
    )
    assert changed()
    edit(entry)
    assert changed()
    entry.delete()
    assert changed()
    # Every write moves it on, even one back to entries as they were (the parts made from
    # equal inputs are found by `made_before`: test_diaryfast.py).
    kept.delete()
    assert changed()
    run = Run.begin(make_routine("Calf stretch"), user=sam, lead_in=False, now=timezone.now())
    assert changed()
    run.apply_control("pause", timezone.now())
    assert not changed()  # a control on a run still going: no page shows it
    run.finished_at = timezone.now()
    run.save()
    assert changed()
    run.rating = 5
    run.save(update_fields=["rating", "updated_at"])
    assert changed()
    assert not changed()  # reading changes nothing
    robin = make_user("robin-3")
    CrampEntry.objects.create(
        user=robin, started_at=timezone.now(), muscle="calf", side="left", intensity=3
    )
    assert not changed()  # someone else's write is not Sam's


def test_timestamps_read_in_one_pass_are_the_orms_own(sam: AbstractBaseUser) -> None:
    moment = dt.datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=dt.UTC)
    CrampEntry.objects.create(user=sam, started_at=moment, muscle="calf", side="left", intensity=3)
    mine = CrampEntry.objects.filter(user=sam).order_by()
    assert moments_of(mine.values_list("started_at", flat=True)) == [moment]
    assert (
        rows_with_moments(mine.values_list("started_at", "intensity", "lasted_minutes"))
        == [(moment, 3, None)]
        == list(mine.values_list("started_at", "intensity", "lasted_minutes"))
    )


def test_urls_made_once_a_page_are_the_ones_reverse_makes() -> None:
    run_id = uuid.UUID("5d0c2c3e-8a3c-4a8e-9a77-3c2b1f6d1e11")
    try:
        for prefix in ("/", "/unknot/"):
            set_script_prefix(prefix)
            assert pk_url("diary_edit", "pk")(42) == reverse("diary_edit", args=[42])
            runs = pk_url("run_detail", "run_id", uuid.uuid4())
            assert runs(run_id) == reverse("run_detail", args=[run_id])
        set_script_prefix("/app1/")  # the stand-in 1 shows twice: refused, never a wrong URL
        with pytest.raises(ValueError, match="Cannot make"):
            pk_url("diary_edit", "pk", 1)
    finally:
        clear_script_prefix()


def test_the_advice_stays_the_same_until_the_moment_it_may_change() -> None:
    now = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)
    hour = dt.timedelta(hours=1)
    cramps = [
        Cramp(now - 30 * hour, True, 12),  # long, but more than a day ago
        Cramp(now - 5 * hour, False, 15),  # long: "get seen today" for 19 more hours
        Cramp(now - 6 * 24 * hour, True, None),
        Cramp(now - 13 * 24 * hour - 3 * hour, True, None),
        Cramp(now - 20 * 24 * hour, True, 2),
        Cramp(now - 27 * 24 * hour - 7 * hour, True, None),
    ]
    until = advice_changes_at(cramps, now)
    assert until == now + 17 * hour  # the first change: the oldest night leaves the 4 weeks
    said = advice(cramps, now)
    assert [card.key for card in said] == ["long", "nightly", "often"]
    moment = now
    while moment < until:  # every 10 minutes, and the last microsecond before
        assert advice(cramps, moment) == said
        moment += dt.timedelta(minutes=10)
    assert advice(cramps, until - dt.timedelta(microseconds=1)) == said
    assert advice(cramps, until + dt.timedelta(microseconds=1)) != said
    assert advice_changes_at([], now) is None


def test_what_people_type_is_escaped_in_the_list_made_in_python(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    routine = make_routine('Calf "stretch" <b>')
    run = Run.begin(routine, user=sam, lead_in=False, now=timezone.now())
    CrampEntry.objects.create(
        user=sam,
        started_at=timezone.now(),
        muscle="calf",
        side="left",
        intensity=3,
        helped='<script>alert("x")</script> & rest',
        run=run,
    )
    html = client_sam.get(reverse("diary")).content.decode()
    assert "<script>alert" not in html and "<b>" not in html
    assert "Helped: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; rest" in html
    assert f'<a href="{run.get_absolute_url()}">Calf &quot;stretch&quot; &lt;b&gt;</a>' in html
