from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction

from routines.content.models import REP_SECONDS, Routine, Side, Step
from routines.content.templatetags.unknot import approx_minutes, duration

from .factories import make_routine, make_step

pytestmark = pytest.mark.django_db


def step_fields(routine: Routine, **overrides: Any) -> dict[str, Any]:
    return {
        "routine": routine,
        "title": "Pull the toes up",
        "instruction": "Pull gently.",
        "duration_seconds": 30,
        "reps": None,
        **overrides,
    }


BAD_STEPS = {
    "both duration and reps": {"duration_seconds": 30, "reps": 10},
    "neither duration nor reps": {"duration_seconds": None, "reps": None},
    "duration 0": {"duration_seconds": 0},
    "duration over 30 minutes": {"duration_seconds": 1801},
    "reps 0": {"duration_seconds": None, "reps": 0},
    "reps over 100": {"duration_seconds": None, "reps": 101},
    "rest over 10 minutes": {"rest_after_seconds": 601},
    "unknown side": {"side": "both"},
    "unknown kind": {"kind": "yoga"},
}


@pytest.mark.parametrize("overrides", BAD_STEPS.values(), ids=BAD_STEPS.keys())
def test_database_rejects_invalid_step_on_create(overrides: dict[str, Any]) -> None:
    routine = make_routine(steps=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.create(**step_fields(routine, **overrides))
    assert not routine.steps.exists()


@pytest.mark.parametrize("overrides", BAD_STEPS.values(), ids=BAD_STEPS.keys())
def test_database_rejects_invalid_step_in_bulk_create(overrides: dict[str, Any]) -> None:
    routine = make_routine(steps=[])
    good = Step(**step_fields(routine))
    with pytest.raises(IntegrityError), transaction.atomic():
        Step.objects.bulk_create([good, Step(**step_fields(routine, **overrides))])
    assert not routine.steps.exists()


GOOD_STEPS = {
    "1 second": {"duration_seconds": 1},
    "30 minutes": {"duration_seconds": 1800},
    "1 rep": {"duration_seconds": None, "reps": 1},
    "100 reps": {"duration_seconds": None, "reps": 100},
    "10 minutes rest": {"rest_after_seconds": 600},
    "each side": {"side": Side.EACH},
}


@pytest.mark.parametrize("overrides", GOOD_STEPS.values(), ids=GOOD_STEPS.keys())
def test_database_accepts_boundary_steps(overrides: dict[str, Any]) -> None:
    routine = make_routine(steps=[])
    step = Step.objects.create(**step_fields(routine, **overrides))
    step.full_clean()
    assert routine.steps.get() == step


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"duration_seconds": 30, "reps": 10},
            "Give either a duration or a number of reps, not both.",
        ),
        (
            {"duration_seconds": None, "reps": None},
            "Give either a duration or a number of reps, not both.",
        ),
        ({"duration_seconds": 0}, "A duration must be between 1 second and 30 minutes."),
        ({"duration_seconds": 1801}, "A duration must be between 1 second and 30 minutes."),
        ({"duration_seconds": None, "reps": 0}, "Reps must be between 1 and 100."),
        ({"duration_seconds": None, "reps": 101}, "Reps must be between 1 and 100."),
        ({"rest_after_seconds": 601}, "Rest after a step can be at most 10 minutes."),
    ],
)
def test_full_clean_explains_what_is_wrong_with_a_step(
    overrides: dict[str, Any], message: str
) -> None:
    step = Step(**step_fields(make_routine(steps=[]), **overrides))
    with pytest.raises(ValidationError) as caught:
        step.full_clean()
    assert message in caught.value.message_dict[NON_FIELD_ERRORS]


def test_full_clean_rejects_an_unknown_side_on_the_field() -> None:
    step = Step(**step_fields(make_routine(steps=[]), side="both"))
    with pytest.raises(ValidationError) as caught:
        step.full_clean()
    assert "side" in caught.value.message_dict


# Step.total_seconds -------------------------------------------------------------------------


def test_timed_step_takes_its_duration() -> None:
    step = Step(duration_seconds=45)
    assert step.total_seconds == 45


def test_each_side_doubles_the_work_but_not_the_rest() -> None:
    step = Step(duration_seconds=30, side=Side.EACH, rest_after_seconds=10)
    assert step.total_seconds == 30 * 2 + 10


def test_one_side_counts_once() -> None:
    assert Step(duration_seconds=30, side=Side.LEFT).total_seconds == 30
    assert Step(duration_seconds=30, side=Side.RIGHT).total_seconds == 30


def test_reps_are_estimated_at_rep_seconds_each() -> None:
    assert Step(reps=15).total_seconds == 15 * REP_SECONDS
    assert Step(reps=10, side=Side.EACH, rest_after_seconds=20).total_seconds == (
        10 * REP_SECONDS * 2 + 20
    )


def test_each_side_runs_left_then_right() -> None:
    assert Step(side=Side.EACH).sides == [Side.LEFT, Side.RIGHT]
    assert Step(side=Side.NONE).sides == [Side.NONE]


# Routine.total_seconds ----------------------------------------------------------------------

MIXED_STEPS = [
    {"duration_seconds": 5},
    {"duration_seconds": 30, "side": Side.EACH, "rest_after_seconds": 10},
    {"reps": 15},
    {"reps": 10, "side": Side.EACH, "rest_after_seconds": 20},
    {"duration_seconds": 60, "side": Side.LEFT, "rest_after_seconds": 600},
]
#: The last step's 600 s rest is not played (the player ends after the last step): not counted.
MIXED_TOTAL = 5 + (60 + 10) + 15 * REP_SECONDS + (10 * REP_SECONDS * 2 + 20) + 60


def test_routine_total_adds_up_every_step() -> None:
    routine = make_routine(steps=MIXED_STEPS)
    assert Routine.objects.get(pk=routine.pk).total_seconds == MIXED_TOTAL


def test_database_total_matches_the_python_total() -> None:
    routine = make_routine(steps=MIXED_STEPS)
    make_routine("Another", steps=[{"duration_seconds": 1800}])  # must not leak into the sum
    annotated = Routine.objects.with_total_seconds().get(pk=routine.pk)
    assert annotated.total_seconds_db == MIXED_TOTAL
    assert annotated.total_seconds == Routine.objects.get(pk=routine.pk).total_seconds


def test_routine_without_steps_takes_no_time() -> None:
    routine = make_routine(steps=[])
    assert Routine.objects.get(pk=routine.pk).total_seconds == 0
    assert Routine.objects.with_total_seconds().get(pk=routine.pk).total_seconds == 0


def test_routine_total_follows_a_step_change() -> None:
    routine = make_routine(steps=[{"duration_seconds": 30}])
    make_step(routine, reps=10)
    assert Routine.objects.with_total_seconds().get(pk=routine.pk).total_seconds == (
        30 + 10 * REP_SECONDS
    )


# Safety notes -------------------------------------------------------------------------------


def test_safety_notes_split_into_trimmed_lines_without_blanks() -> None:
    notes = "  Stop if it hurts. \n\n   \nDo not bounce.\r\nSkip heat if numb."
    routine = Routine(safety_notes=notes)
    assert routine.safety_note_lines() == [
        "Stop if it hurts.",
        "Do not bounce.",
        "Skip heat if numb.",
    ]


def test_no_safety_notes_give_no_lines() -> None:
    assert Routine(safety_notes="").safety_note_lines() == []


# Template filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, ""),
        (0, "0 s"),
        (1, "1 s"),
        (45, "45 s"),
        (59, "59 s"),
        (60, "1 min"),
        (90, "1 min 30 s"),
        (600, "10 min"),
        (3600, "1 h"),
        (3900, "1 h 5 min"),
    ],
)
def test_duration_reads_as_people_say_it(seconds: int | None, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "0 min"),
        (0, "0 min"),
        (40, "40 s"),
        (60, "1 min"),
        (89, "1 min"),
        (100, "2 min"),
        (240, "4 min"),
        (1790, "30 min"),
    ],
)
def test_approx_minutes_rounds_to_whole_minutes(seconds: int | None, text: str) -> None:
    assert approx_minutes(seconds) == text
