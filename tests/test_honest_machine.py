"""Honest summaries, in the pure player machine: what a step is, when a step counts as done,
and how a run is described (issue 9, section 2). No database, no clock.
"""

from __future__ import annotations

import datetime as dt

import pytest

from routines.player.machine import (
    DONE_PERCENT,
    Action,
    Outcome,
    Phase,
    PhaseKind,
    RunState,
    StepStatus,
    apply,
    progress_words,
    ran_long_enough,
    settle,
    start,
    step_count,
    summarise,
)

T0 = dt.datetime(2025, 3, 1, 22, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(milliseconds=round(seconds * 1000))


#: A get-ready, then three steps: 0 each side (30 s a side), a rest, 1 reps, 2 timed 20 s.
PHASES = [
    Phase(PhaseKind.READY, "Get ready", duration_ms=5_000),
    Phase(PhaseKind.WORK, "Wall stretch", duration_ms=30_000, side="left", step=0),
    Phase(PhaseKind.WORK, "Wall stretch", duration_ms=30_000, side="right", step=0),
    Phase(PhaseKind.REST, "Rest", duration_ms=10_000, step=0),
    Phase(PhaseKind.WORK, "Heel raises", reps=10, step=1),
    Phase(PhaseKind.WORK, "Rub", duration_ms=20_000, step=2),
]


def in_phase(index: int, since: float) -> RunState:
    return RunState(phase=index, phase_started_at=at(since))


# What a step is ---------------------------------------------------------------------------


def test_a_left_and_right_step_is_one_step_and_rests_and_get_ready_are_none() -> None:
    assert step_count(PHASES) == 3


@pytest.mark.parametrize(
    ("index", "words"),
    [
        (0, "Get ready · 3 steps"),
        (1, "Step 1 of 3"),
        (2, "Step 1 of 3"),  # the right side is the same step
        (3, "Rest after step 1 of 3"),
        (4, "Step 2 of 3"),
        (5, "Step 3 of 3"),
    ],
)
def test_the_player_numbers_steps_not_phases(index: int, words: str) -> None:
    assert progress_words(PHASES, index) == words


def test_a_one_step_routine_says_step_in_the_singular() -> None:
    phases = [PHASES[0], PHASES[5]]
    assert progress_words(phases, 0) == "Get ready · 1 step"


# When a phase counts as done: the DONE_PERCENT boundary -------------------------------------


def test_done_percent_is_eighty() -> None:
    assert DONE_PERCENT == 80


@pytest.mark.parametrize(
    ("elapsed", "done"),
    [(0, False), (23_999, False), (24_000, True), (29_999, True), (30_000, True)],
)
def test_a_timed_phase_counts_as_done_from_eighty_percent_of_its_time(
    elapsed: int, done: bool
) -> None:
    assert ran_long_enough(PHASES[1], elapsed) is done


def test_a_counted_phase_never_counts_as_done_by_time() -> None:
    assert not ran_long_enough(PHASES[4], 10**9)


@pytest.mark.parametrize(("seconds", "skipped"), [(23.999, (1,)), (24, ())])
def test_skip_just_before_eighty_percent_is_skipped_and_at_it_is_done(
    seconds: float, skipped: tuple[int, ...]
) -> None:
    state = apply(in_phase(1, 0), PHASES, Action.SKIP, at(seconds))
    assert (state.phase, state.skipped) == (2, skipped)


def test_time_paused_does_not_count_towards_eighty_percent() -> None:
    state = apply(in_phase(1, 0), PHASES, Action.PAUSE, at(10))
    state = apply(state, PHASES, Action.RESUME, at(100))  # 90 s paused, 10 s run
    state = apply(state, PHASES, Action.SKIP, at(113.999))  # 23.999 s run
    assert state.skipped == (1,)


@pytest.mark.parametrize(("seconds", "status"), [(63.999, "not done"), (64, "done")])
def test_end_counts_the_phase_it_ended_in_only_after_eighty_percent(
    seconds: float, status: str
) -> None:
    # Step 1 is the last phase here: a single 20 s hold from 48 s (80% is 16 s, at 64 s).
    phases = [PHASES[1], PHASES[5]]
    state = apply(in_phase(1, 48), phases, Action.END, at(seconds))
    summary = summarise(state, phases, at(18), at(seconds))
    assert [s.status for s in summary.steps] == ["done", status]


def test_end_while_paused_measures_the_phase_without_the_pause() -> None:
    # 10 s of a 30 s hold, then paused for a minute, then End: 10 s is not 80%.
    state = apply(in_phase(1, 0), PHASES, Action.PAUSE, at(10))
    state = apply(state, PHASES, Action.END, at(70))
    summary = summarise(state, PHASES, T0, at(70))
    assert summary.steps[0].status == StepStatus.NOT_DONE
    assert (summary.paused_ms, summary.active_ms) == (60_000, 10_000)


def test_back_to_a_skipped_phase_takes_the_skip_back() -> None:
    state = apply(in_phase(1, 0), PHASES, Action.SKIP, at(3))
    state = apply(state, PHASES, Action.BACK, at(4))
    assert state.skipped == ()


# Step results -----------------------------------------------------------------------------


def test_a_step_done_on_one_side_and_skipped_on_the_other_is_skipped_naming_the_side() -> None:
    state = settle(in_phase(1, 0), PHASES, at(31))  # left done at 30 s; right from 30 s
    state = apply(state, PHASES, Action.SKIP, at(35))
    summary = summarise(state, PHASES, T0, at(35))
    first = summary.steps[0]
    assert (first.number, first.title, first.status, first.side_done) == (
        1,
        "Wall stretch",
        StepStatus.SKIPPED,
        "left",
    )


def test_a_counted_step_is_done_with_done_and_skipped_with_skip() -> None:
    done = apply(in_phase(4, 50), PHASES, Action.DONE, at(60))
    skipped = apply(in_phase(4, 50), PHASES, Action.SKIP, at(60))
    assert summarise(done, PHASES, T0, at(60)).steps[1].status == StepStatus.DONE
    assert summarise(skipped, PHASES, T0, at(60)).steps[1].status == StepStatus.SKIPPED


# How the run is described -----------------------------------------------------------------


def run_through(actions: list[str]) -> RunState:
    """Start, then apply `actions` one second apart."""
    state = start(PHASES, T0)
    for second, action in enumerate(actions, start=1):
        state = apply(state, PHASES, action, at(second))
    return state


def test_skipping_everything_reaches_the_end_but_is_ended_early_not_well_done() -> None:
    state = run_through([Action.SKIP] * len(PHASES))
    assert state.finished and not state.ended_early
    summary = summarise(state, PHASES, T0, at(100))
    assert summary.outcome == Outcome.NOTHING
    assert summary.headline == "Ended early"
    assert summary.status_words == "ended early · no steps done"
    assert [s.title for s in summary.skipped] == ["Wall stretch", "Heel raises", "Rub"]
    assert summary.done == []


def test_ending_before_any_step_was_done_is_ended_early() -> None:
    summary = summarise(run_through([Action.END]), PHASES, T0, at(100))
    assert (summary.outcome, summary.headline) == (Outcome.NOTHING, "Ended early")
    assert [s.status for s in summary.steps] == [StepStatus.NOT_DONE] * 3


def test_ending_after_some_steps_says_ended_early_with_the_count() -> None:
    state = settle(start(PHASES, T0), PHASES, at(80))  # on the heel raises since 75 s
    state = apply(state, PHASES, Action.END, at(80))
    summary = summarise(state, PHASES, T0, at(80))
    assert summary.outcome == Outcome.PARTIAL
    assert summary.headline == "Ended early"
    assert summary.status_words == "ended early · 1 of 3 steps done"
    assert [s.title for s in summary.not_done] == ["Heel raises", "Rub"]


def test_reaching_the_end_with_a_skip_is_partly_done() -> None:
    state = settle(start(PHASES, T0), PHASES, at(80))
    state = apply(state, PHASES, Action.SKIP, at(80))  # skip the heel raises
    summary = summarise(state, PHASES, T0, at(200))  # the rub ran out by itself
    assert summary.outcome == Outcome.PARTIAL
    assert summary.headline == "Partly done"
    assert summary.status_words == "partly done · 2 of 3 steps done"
    assert [s.title for s in summary.skipped] == ["Heel raises"]


def test_every_step_done_is_well_done() -> None:
    state = settle(start(PHASES, T0), PHASES, at(80))
    state = apply(state, PHASES, Action.DONE, at(90))
    summary = summarise(state, PHASES, T0, at(200))
    assert (summary.outcome, summary.headline) == (Outcome.COMPLETE, "Well done")
    assert summary.status_words == "finished · all 3 steps"


def test_a_run_still_going_is_not_finished() -> None:
    summary = summarise(start(PHASES, T0), PHASES, T0, at(40))
    assert (summary.outcome, summary.status_words) == (Outcome.RUNNING, "not finished")
    assert summary.steps_done == 0  # the left side ran out at 35 s, the right has not
    assert [s.status for s in summary.steps] == [StepStatus.NOT_DONE] * 3
