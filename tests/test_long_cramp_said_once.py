"""The 10-minute rule ("get seen today", `LONG_CRAMP_ADVICE`) is said once on each page that
says it: the safety check's outcome for a long cramp, a relief routine's page, its last step in
the player, the run's summary, the warning signs, the cramp diary.

Before, the outcome page gave the level's "ask your GP surgery for an urgent appointment, or
call NHS 111" and then the sign's detail said it again; a relief routine's page said the rule
in its safety notes and again in its last step; the diary said it in full under each long
cramp."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from routines.content.library.safety import LONG_CRAMP_ADVICE, LONG_CRAMP_KEY, LONG_CRAMP_RULE
from routines.content.models import Purpose, Routine, SafetySign
from routines.diary.models import CrampEntry
from routines.player.models import Run

from .factories import make_routine
from .helpers.html import main_part, page_text
from .helpers.people import make_user, signed_in

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
RELIEF = ("calf-cramp-relief", "hamstring-cramp-relief", "foot-cramp-relief")
#: The words of the advice, in the rule's wording or the "get seen today" level's.
HOW_TO_GET_SEEN = ("urgent appointment", "NHS 111")


@pytest.fixture
def shipped(db: None, clock: time_machine.Coordinates) -> None:
    call_command("load_library", verbosity=0)


def said(text: str) -> dict[str, int]:
    """How many times `text` states the rule, and each part of how to get seen."""
    return {phrase: text.count(phrase) for phrase in (LONG_CRAMP_ADVICE, *HOW_TO_GET_SEEN)}


ONCE = {LONG_CRAMP_ADVICE: 1, "urgent appointment": 1, "NHS 111": 1}


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("slug", RELIEF)
@pytest.mark.parametrize("htmx", [False, True])
def test_the_long_cramp_outcome_gives_the_advice_once(
    client: Client, slug: str, htmx: bool
) -> None:
    response = client.post(
        reverse("safety_check", args=[slug]),
        {"sign": LONG_CRAMP_KEY},
        headers={"HX-Request": "true"} if htmx else {},
    )

    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(html)  # the whole page: header and footer too
    assert said(text) == ONCE
    # It leads: the advice comes before "You said", under the heading.
    assert text.index("Get seen today") < text.index(LONG_CRAMP_ADVICE) < text.index("You said")
    assert "A cramp that has lasted more than 10 minutes and is not easing" in text
    assert "On its own, a long cramp is not a reason to call an ambulance." in text


@pytest.mark.usefixtures("shipped")
def test_another_get_seen_today_sign_keeps_the_levels_action_and_its_detail(
    client: Client,
) -> None:
    sign = SafetySign.objects.get(key="blood-clot-in-leg")
    assert not sign.gives_its_own_advice

    html = client.post(reverse("safety_check", args=[RELIEF[0]]), {"sign": sign.key})

    text = page_text(main_part(html.content.decode()))
    assert sign.level.action in text
    assert sign.detail in text
    assert text.count("urgent appointment") == 1
    # What not to do until seen is the level's to say, once.
    assert text.lower().count("do not stretch") == 1
    assert "heat" not in sign.detail


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("slug", RELIEF)
def test_a_relief_routines_page_says_the_rule_once_in_its_safety_notes(
    client: Client, slug: str
) -> None:
    routine = Routine.objects.get(slug=slug)
    last = list(routine.steps.all())[-1]
    assert LONG_CRAMP_ADVICE in last.instruction  # the step itself still holds it

    html = client.get(reverse("routine_detail", args=[slug])).content.decode()

    text = page_text(html)
    assert said(text) == ONCE
    safety = html.index('id="safety-title"')
    steps = html.index('id="steps-title"')
    assert safety < html.index(LONG_CRAMP_ADVICE) < steps
    # The rest of the last step is listed as it is.
    rest = last.instruction.replace(LONG_CRAMP_ADVICE, "").strip()
    assert rest.startswith("If the cramp has gone")
    assert rest in page_text(html[steps:])


@pytest.mark.usefixtures("shipped")
def test_the_last_step_and_the_summary_each_say_it_once(
    client: Client, clock: time_machine.Coordinates
) -> None:
    client.post(reverse("start_run", args=[RELIEF[0]]), {"safety": "clear"})
    run = Run.objects.get()
    phases = run.phase_list()
    for phase in range(len(phases) - 1):
        response = client.post(
            reverse("run_control", args=[run.id]), {"action": "next", "phase": phase}
        )
        assert response.status_code == 303

    last = page_text(client.get(run.get_absolute_url()).content.decode())
    assert "Check the cramp has eased" in last
    assert said(last) == ONCE

    clock.shift(dt.timedelta(minutes=30))  # the last step has run out: the summary
    summary = page_text(client.get(run.get_absolute_url()).content.decode())
    assert "Did it help?" in summary
    assert said(summary) == ONCE


@pytest.mark.usefixtures("shipped")
def test_the_warning_signs_state_the_rule_once(client: Client) -> None:
    # The rule once, and how to get seen once: the level's action says how, above the sign
    # (tests/test_audit9_help_said_once.py).
    text = page_text(client.get(reverse("get_help")).content.decode())
    assert text.count(LONG_CRAMP_RULE) == 1
    assert {k: v for k, v in said(text).items() if k != LONG_CRAMP_ADVICE} == {
        "urgent appointment": 1,
        "NHS 111": 1,
    }


def test_a_step_that_repeats_no_note_word_for_word_is_listed_whole(db: None) -> None:
    routine = make_routine(
        "Notes",
        purpose=Purpose.RELIEF,
        steps=[
            {"title": "Hold", "duration_seconds": 30, "instruction": "Hold it. Stop if sore."},
            {"title": "Check", "duration_seconds": 10, "instruction": "Stop if sore."},
        ],
    )
    routine.safety_notes = "Stop if sore.\nBreathe out."
    hold, check = routine.steps.all()

    assert routine.instruction_under_notes(hold.instruction) == "Hold it."
    # A step that is nothing but a note keeps it: a step is never listed empty.
    assert routine.instruction_under_notes(check.instruction) == "Stop if sore."
    # Staff reworded the note: the step no longer repeats it word for word, so it stays.
    routine.safety_notes = "Stop if it is sore."
    assert routine.instruction_under_notes(hold.instruction) == "Hold it. Stop if sore."


def test_the_diary_says_it_in_full_once_and_marks_each_long_cramp(db: None) -> None:
    sam = make_user("sam")
    now = dt.datetime.now(tz=dt.UTC)
    entries = [
        CrampEntry.objects.create(
            user=sam,
            started_at=now - dt.timedelta(hours=hours),
            muscle="calf",
            side="left",
            intensity=6,
            lasted_minutes=minutes,
        )
        for hours, minutes in ((1, 12), (2, 3), (3, 25))
    ]

    html = signed_in(sam).get(reverse("diary")).content.decode()

    text = page_text(main_part(html))
    assert said(text) == ONCE
    assert text.count("Get seen today.") == 2  # both long cramps are marked
    newest, short, oldest = (
        html[html.index(f'id="cramp-{e.pk}"') :].split("</li>", 1)[0] for e in entries
    )
    assert LONG_CRAMP_ADVICE in page_text(newest) and 'id="seen-today"' in newest
    assert LONG_CRAMP_ADVICE not in page_text(oldest) and 'href="#seen-today"' in oldest
    assert "Get seen today" not in page_text(short)
    assert html.count('id="seen-today"') == 1
