"""Honest and consistent pages (issue 9, section 2): End asks first and sits apart from Pause;
the summary and the history say what was done and skipped; the routine page, the player and
the summary count steps the same way; every page states a routine's length from one value.

Time is frozen (time_machine, tick=False) and moved by hand.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from routines.content.models import Purpose, Routine, Side
from routines.content.models.routine import about_minutes
from routines.content.models.step import REP_SECONDS
from routines.player.machine import PhaseKind, build_phases, step_count
from routines.player.models import STATE_FIELDS, Run

from .factories import make_routine
from .helpers.html import NOT_FOUND, main_part, main_text, page_text, parse
from .helpers.people import make_user, signed_in

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 1, 22, 0, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def routine() -> Routine:
    # Steps: 1 each side (30 s a side) then a 10 s rest, 2 heel raises (10 reps), 3 rub 20 s.
    return make_routine(
        "Calf routine",
        purpose=Purpose.PREVENTION,
        steps=[
            {
                "title": "Wall stretch",
                "duration_seconds": 30,
                "side": Side.EACH,
                "rest_after_seconds": 10,
            },
            {"title": "Heel raises", "reps": 10},
            {"title": "Rub the calf", "duration_seconds": 20},
        ],
    )


@pytest.fixture
def sam_client() -> Client:
    return signed_in(make_user("sam"))


def begin(client: Client, routine: Routine) -> Run:
    response = client.post(reverse("start_run", args=[routine.slug]))
    assert response.status_code == 303
    return Run.objects.get(id=response["Location"].split("/")[2])


def end_url(run: Run) -> str:
    return reverse("run_end", kwargs={"run_id": run.id})


def control(client: Client, run: Run, action: str, **data: Any) -> HttpResponse:
    url = reverse("run_control", kwargs={"run_id": run.id})
    return client.post(url, {"action": action, **data}, **JSON)


def state_of(run: Run) -> dict[str, Any]:
    run = Run.objects.get(id=run.id)
    return {name: getattr(run, name) for name in STATE_FIELDS}


# End asks first -----------------------------------------------------------------------------


def test_end_is_a_link_to_a_question_apart_from_the_controls(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    main = main_part(sam_client.get(run.get_absolute_url()).content.decode())
    controls = re.search(r'<div class="player-controls".*?</div>', main, flags=re.S)
    assert controls and "End" not in page_text(controls.group(0))
    top = re.search(r'<div class="player-top">.*?</div>', main, flags=re.S)
    assert top and f'href="{end_url(run)}"' in top.group(0)
    # The in-page question is the same partial as the page, inside a dialog.
    dialog = re.search(r"<dialog\b.*?</dialog>", main, flags=re.S)
    assert dialog and "End this routine?" in page_text(dialog.group(0))
    assert '<input type="hidden" name="action" value="end">' in dialog.group(0)


def test_the_end_question_page_asks_and_changes_nothing(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    clock.shift(12)
    before = state_of(run)
    response = sam_client.get(end_url(run))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"<h1[^>]*>End this routine\?</h1>", html)
    assert "Step 1 of 3" in main_text(response)
    page = parse(html)
    assert (run.get_absolute_url(), "Keep going") in page.links
    (form,) = [f for f in page.forms if f.get("action") == reverse("run_control", args=[run.id])]
    assert form["method"] == "post"
    fields = {i.get("name"): i.get("value") for i in page.inputs}
    assert (fields["action"], fields["phase"]) == ("end", "0")
    assert fields["csrfmiddlewaretoken"]
    assert response["Cache-Control"].startswith("max-age=0")
    assert state_of(run) == before  # asking ends nothing


def test_the_end_question_for_htmx_is_the_partial_alone(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    html = sam_client.get(end_url(run), **HTMX).content.decode()
    assert html.lstrip().startswith('<div class="end-confirm" id="end-confirm">')
    assert "<main" not in html and "<html" not in html
    assert 'value="end"' in html


def test_ending_after_the_question_ends_the_run_early(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    clock.shift(5)
    response = sam_client.post(
        reverse("run_control", args=[run.id]), {"action": "end", "phase": "0"}
    )
    assert response.status_code == 303
    run.refresh_from_db()
    assert run.ended_early and run.finished_at == T0 + dt.timedelta(seconds=5)


def test_the_end_question_for_a_finished_run_goes_to_its_summary(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    control(sam_client, run, "end")
    response = sam_client.get(end_url(run))
    assert response.status_code == 302
    assert response["Location"] == run.get_absolute_url()


def test_the_end_question_only_answers_get(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    before = state_of(run)
    assert sam_client.post(end_url(run)).status_code == 405
    assert state_of(run) == before


def test_a_bad_end_control_is_refused_in_words_and_changes_nothing(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    before = state_of(run)
    response = control(sam_client, run, "end", phase="99")
    assert response.status_code == 400
    assert response.json()["error"] == "That step is not in this routine."
    response = sam_client.post(
        reverse("run_control", args=[run.id]), {"action": "end", "phase": "-1"}
    )
    assert response.status_code == 400
    assert "greater than or equal to 0" in main_text(response)
    assert state_of(run) == before


@pytest.mark.parametrize("htmx", [False, True])
def test_someone_elses_end_question_is_not_found(
    sam_client: Client, routine: Routine, clock: Any, htmx: bool
) -> None:
    run = begin(sam_client, routine)
    extra = HTMX if htmx else {}
    for stranger in (signed_in(make_user("alex")), Client()):
        response = stranger.get(end_url(run), **extra)
        assert response.status_code == 404
        if not htmx:
            assert NOT_FOUND in main_text(response)
    guest = Client()
    guest_run = begin(guest, routine)
    assert sam_client.get(end_url(guest_run)).status_code == 404
    assert guest.get(end_url(guest_run)).status_code == 200


# The summary and the history ----------------------------------------------------------------


def test_skipping_everything_is_ended_early_on_the_summary_and_at_home(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    for _ in range(5):  # every phase, the rest included
        assert control(sam_client, run, "skip").status_code == 200
    run.refresh_from_db()
    assert run.finished_at is not None and not run.ended_early  # it reached the end...
    text = main_text(sam_client.get(run.get_absolute_url()))
    assert "Ended early" in text  # ...but nothing was done
    assert "Well done" not in text and "finished" not in text.lower()
    assert "No steps were done this time." in text
    assert "Steps done 0 of 3" in text
    assert "Skipped (3) 1. Wall stretch 2. Heel raises 3. Rub the calf" in text
    home = main_text(sam_client.get("/"))
    assert "Calf routine Sat 1 Mar, 22:00 · ended early · no steps done" in home
    assert "finished" not in home


def test_ending_straight_away_is_ended_early_everywhere(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    control(sam_client, run, "end")
    text = main_text(sam_client.get(run.get_absolute_url()))
    assert "Ended early" in text and "Well done" not in text
    assert "Not done (3) 1. Wall stretch 2. Heel raises 3. Rub the calf" in text
    assert "ended early · no steps done" in main_text(sam_client.get("/"))


def test_a_partial_run_names_what_was_done_and_what_was_skipped(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    clock.shift(70)  # both sides and the rest ran out: on the heel raises
    control(sam_client, run, "skip")
    clock.shift(25)  # the rub ran out by itself at 20 s
    text = main_text(sam_client.get(run.get_absolute_url()))
    assert "Partly done" in text and "Well done" not in text
    assert "You did 2 of 3 steps." in text
    assert "Done (2) 1. Wall stretch 3. Rub the calf" in text
    assert "Skipped (1) 2. Heel raises" in text
    assert "at least 80% of its time" in text  # the rule, said on the page
    assert "partly done · 2 of 3 steps done" in main_text(sam_client.get("/"))


def test_a_run_done_in_full_is_well_done_without_lists(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    clock.shift(70)
    control(sam_client, run, "done")
    clock.shift(21)
    text = main_text(sam_client.get(run.get_absolute_url()))
    assert "Well done" in text and "You did all 3 steps." in text
    assert "Skipped (" not in text and "Not done (" not in text
    assert "finished · all 3 steps" in main_text(sam_client.get("/"))


def test_skipping_after_eighty_percent_counts_the_step_as_done(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    run = begin(sam_client, routine)
    clock.shift(24)  # 24 of 30 s on the left side
    control(sam_client, run, "skip")
    clock.shift(23.9)  # 23.9 of 30 s on the right side: short of 80%
    control(sam_client, run, "skip")
    assert Run.objects.get(id=run.id).skipped == [1]


# One count of steps -------------------------------------------------------------------------


def test_routine_page_player_and_summary_count_the_same_steps(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    page = main_text(sam_client.get(routine.get_absolute_url()))
    assert "Steps 3" in page
    assert "3 steps. A “left, then right” step counts as one" in page
    run = begin(sam_client, routine)
    assert len(run.phases) == 5 and run.step_count == routine.step_count == 3
    assert "Step 1 of 3" in main_text(sam_client.get(run.get_absolute_url()))
    clock.shift(65)
    assert "Rest after step 1 of 3" in main_text(sam_client.get(run.get_absolute_url()))
    control(sam_client, run, "end")
    assert "Steps done 1 of 3" in main_text(sam_client.get(run.get_absolute_url()))


def test_the_player_script_gets_each_phases_step_words_from_the_server(
    sam_client: Client, routine: Routine, clock: Any
) -> None:
    import json

    run = begin(sam_client, routine)
    html = sam_client.get(run.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'id="player-data"[^>]*>(.*?)</script>', html).group(1))
    assert data["progress"] == [
        "Step 1 of 3",
        "Step 1 of 3",
        "Rest after step 1 of 3",
        "Step 2 of 3",
        "Step 3 of 3",
    ]


# One routine length -------------------------------------------------------------------------


def played_seconds(routine: Routine) -> int:
    """What the player runs: every phase, reps estimated as the model does."""
    phases = build_phases(routine.steps.all())
    return sum(
        (p.duration_ms or 0) // 1000 or (p.reps or 0) * REP_SECONDS
        for p in phases
        if p.kind != PhaseKind.READY
    )


@pytest.mark.parametrize(("seconds", "minutes"), [(1, 1), (89, 1), (90, 2), (149, 2), (150, 3)])
def test_minutes_round_half_up(seconds: int, minutes: int) -> None:
    assert about_minutes(seconds) == minutes


def test_every_library_routine_states_one_length_everywhere(client: Client) -> None:
    call_command("load_library", verbosity=0)
    library = main_part(client.get(reverse("routine_list")).content.decode())
    home = main_part(client.get("/").content.decode())
    for routine in Routine.objects.with_total_seconds():
        plain = Routine.objects.get(pk=routine.pk)
        # The list total (database sum) and the page total (Python) are what the player plays.
        assert routine.total_seconds == plain.total_seconds == played_seconds(plain)
        assert plain.step_count == step_count(build_phases(plain.steps.all()))
        minutes = about_minutes(plain.total_seconds)
        page = main_text(client.get(plain.get_absolute_url()))
        assert f"Time About {minutes} min" in page, routine.slug
        card = re.search(
            rf'href="{plain.get_absolute_url()}".*?class="meta-time">(.*?(?:min|s))</span>',
            library,
            flags=re.S,
        )
        assert card and page_text(card.group(1)) == f"Takes {minutes} min", routine.slug
        if f'href="/routines/{plain.slug}/check/"' in home:
            assert f"{plain.title} · {minutes} min" in page_text(home)
        # A summary that opens with a length states the same one.
        stated = re.match(r"(?i)(about )?(\w+) minutes?\b", plain.summary)
        if stated:
            words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
            number = stated.group(2).lower()
            assert int(words.get(number, number)) == minutes, routine.slug


def test_warm_up_and_cool_down_state_no_length_of_their_own(client: Client) -> None:
    call_command("load_library", verbosity=0)
    for slug in ("warm-up", "cool-down"):
        routine = Routine.objects.get(slug=slug)
        assert "minute" not in routine.summary
        page = main_text(client.get(routine.get_absolute_url()))
        assert f"Time About {routine.minutes} min" in page
        assert "About 10 minutes" not in page


def test_the_migration_rewords_only_summaries_nobody_edited() -> None:
    migration = importlib.import_module(
        "routines.content.migrations.0003_summaries_without_stated_length"
    )
    (old_warm, new_warm) = migration.CHANGES["warm-up"]
    (old_cool, _) = migration.CHANGES["cool-down"]
    warm = make_routine("Warm-up", slug="warm-up", summary=old_warm)
    cool = make_routine("Cool-down", slug="cool-down", summary="Staff wrote this.")
    other = make_routine("Other", slug="other", summary=old_cool)

    migration.forwards(apps, None)

    assert Routine.objects.get(pk=warm.pk).summary == new_warm
    assert Routine.objects.get(pk=cool.pk).summary == "Staff wrote this."
    assert Routine.objects.get(pk=other.pk).summary == old_cool
    migration.backwards(apps, None)
    assert Routine.objects.get(pk=warm.pk).summary == old_warm
