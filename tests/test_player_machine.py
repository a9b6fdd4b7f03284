"""The player's pure state machine (player/machine.py): phases, time, controls, the summary.

No database and no clock: every function is called with a fixed `now`, so each expectation is
an exact timestamp or millisecond count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import pytest

from routines.player.machine import (
    BOUNDARY_TOLERANCE_MS,
    DONE_PERCENT,
    LEAD_IN_MS,
    Action,
    InvalidControl,
    Phase,
    PhaseKind,
    RunState,
    apply,
    build_phases,
    elapsed_ms,
    remaining_ms,
    settle,
    start,
    summarise,
)

T0 = dt.datetime(2025, 3, 1, 22, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    """T0 plus `seconds` (fractions are milliseconds)."""
    return T0 + dt.timedelta(milliseconds=round(seconds * 1000))


# Building phases ----------------------------------------------------------------------------


@dataclass
class FakeImage:
    class File:
        url = "/media/images/calf.webp"

    file = File()
    width: int = 800
    height: int = 600
    alt: str = "A person leaning on a wall"


@dataclass
class FakeStep:
    """What build_phases reads from a Step, without a database."""

    title: str
    duration_seconds: int | None = None
    reps: int | None = None
    side: str = "none"
    rest_after_seconds: int = 0
    kind: str = "stretch"
    instruction: str = "Breathe slowly."
    image: Any = None

    @property
    def image_id(self) -> int | None:
        return 1 if self.image else None


def test_an_each_side_step_becomes_two_phases_with_switch_sides_on_the_second() -> None:
    phases = build_phases([FakeStep("Wall stretch", duration_seconds=30, side="each")])
    assert [(p.title, p.side, p.switch_sides, p.duration_ms) for p in phases] == [
        ("Wall stretch", "left", False, 30_000),
        ("Wall stretch", "right", True, 30_000),
    ]
    assert {p.kind for p in phases} == {PhaseKind.WORK}
    assert {p.step for p in phases} == {0}


def test_one_sided_and_no_side_steps_are_one_phase_each() -> None:
    phases = build_phases(
        [
            FakeStep("Left only", duration_seconds=20, side="left"),
            FakeStep("Both legs", duration_seconds=10),
        ]
    )
    assert [(p.side, p.switch_sides, p.step) for p in phases] == [
        ("left", False, 0),
        ("none", False, 1),
    ]


def test_rests_come_between_steps_but_not_after_the_last() -> None:
    phases = build_phases(
        [
            FakeStep("Stretch", duration_seconds=30, side="each", rest_after_seconds=10),
            FakeStep("Heel raises", reps=12, rest_after_seconds=15),
            FakeStep("Rub", duration_seconds=60, rest_after_seconds=20),
        ]
    )
    assert [(p.kind, p.title, p.duration_ms, p.step) for p in phases] == [
        (PhaseKind.WORK, "Stretch", 30_000, 0),
        (PhaseKind.WORK, "Stretch", 30_000, 0),
        (PhaseKind.REST, "Rest", 10_000, 0),
        (PhaseKind.WORK, "Heel raises", None, 1),
        (PhaseKind.REST, "Rest", 15_000, 1),
        (PhaseKind.WORK, "Rub", 60_000, 2),
    ]
    assert phases[2].instruction  # a rest tells the person what to do


def test_a_step_without_rest_has_no_rest_phase() -> None:
    phases = build_phases([FakeStep("A", duration_seconds=5), FakeStep("B", duration_seconds=5)])
    assert [p.kind for p in phases] == [PhaseKind.WORK, PhaseKind.WORK]


def test_reps_phases_have_no_duration_and_keep_their_count() -> None:
    (phase,) = build_phases([FakeStep("Heel raises", reps=15, kind="strength")])
    assert phase.duration_ms is None
    assert not phase.timed
    assert phase.reps == 15
    assert phase.step_kind == "strength"


def test_lead_in_adds_a_five_second_get_ready_phase_naming_the_first_step() -> None:
    phases = build_phases([FakeStep("Towel stretch", duration_seconds=30)], lead_in=True)
    ready, work = phases
    assert ready.kind == PhaseKind.READY
    assert ready.duration_ms == LEAD_IN_MS == 5_000
    assert ready.instruction == "Towel stretch"
    assert ready.step is None
    assert work.title == "Towel stretch"
    assert build_phases([FakeStep("Towel stretch", duration_seconds=30)])[0].kind == "work"


def test_a_step_image_travels_with_both_sides() -> None:
    left, right = build_phases(
        [FakeStep("Wall", duration_seconds=5, side="each", image=FakeImage())]
    )
    expected = {
        "url": "/media/images/calf.webp",
        "width": 800,
        "height": 600,
        "alt": "A person leaning on a wall",
    }
    assert left.image == right.image == expected


def test_phases_survive_a_round_trip_through_json_dicts() -> None:
    phases = build_phases(
        [
            FakeStep("Stretch", duration_seconds=30, side="each", rest_after_seconds=5),
            FakeStep("R", reps=3),
        ],
        lead_in=True,
    )
    assert [Phase.from_dict(p.as_dict()) for p in phases] == phases


def test_no_steps_give_no_phases_and_cannot_start() -> None:
    assert build_phases([]) == []
    assert build_phases([], lead_in=True)[0].instruction == ""
    with pytest.raises(InvalidControl, match="no steps"):
        start([], T0)


def test_start_begins_the_first_phase_running() -> None:
    state = start(TIMED, T0)
    assert state == RunState(phase=0, phase_started_at=T0)
    assert not state.paused and not state.finished


# Time: settle and remaining_ms --------------------------------------------------------------

#: Three timed phases: 0 from 0 s to 30 s, 1 (rest) to 40 s, 2 to 60 s.
TIMED = [
    Phase(PhaseKind.WORK, "Stretch", duration_ms=30_000, step=0),
    Phase(PhaseKind.REST, "Rest", duration_ms=10_000, step=0),
    Phase(PhaseKind.WORK, "Rub", duration_ms=20_000, step=1),
]

#: 0: timed 30 s; 1: rest 10 s; 2: reps; 3: timed 20 s (the last).
MIXED = [
    Phase(PhaseKind.WORK, "Stretch", duration_ms=30_000, step=0),
    Phase(PhaseKind.REST, "Rest", duration_ms=10_000, step=0),
    Phase(PhaseKind.WORK, "Heel raises", reps=10, step=1),
    Phase(PhaseKind.WORK, "Rub", duration_ms=20_000, step=2),
]


@pytest.mark.parametrize(
    ("seconds", "phase", "started", "remaining"),
    [
        (0, 0, 0, 30_000),
        (12.5, 0, 0, 17_500),
        (29.999, 0, 0, 1),
        (30, 1, 30, 10_000),
        (30.001, 1, 30, 9_999),
        (39.999, 1, 30, 1),
        (40, 2, 40, 20_000),
        (59.999, 2, 40, 1),
    ],
)
def test_timed_phases_end_exactly_at_their_boundaries(
    seconds: float, phase: int, started: float, remaining: int
) -> None:
    state = settle(start(TIMED, T0), TIMED, at(seconds))
    assert (state.phase, state.phase_started_at) == (phase, at(started))
    assert remaining_ms(start(TIMED, T0), TIMED, at(seconds)) == remaining
    assert not state.finished


@pytest.mark.parametrize("seconds", [60, 60.001, 61, 3600])
def test_the_run_finishes_exactly_at_the_last_boundary_however_late_it_is_settled(
    seconds: float,
) -> None:
    state = settle(start(TIMED, T0), TIMED, at(seconds))
    assert state.finished_at == at(60)
    assert state.phase == 2
    assert not state.ended_early
    assert remaining_ms(state, TIMED, at(seconds)) == 0


def test_settling_in_steps_gives_the_same_state_as_settling_once() -> None:
    """Whoever asks first (a state poll, a control) must not change where the run ends up."""
    times = [0, 5, 29.999, 30, 31, 39.5, 40, 45, 59, 60, 75]
    initial = start(TIMED, T0)
    for i, first in enumerate(times):
        for later in times[i:]:
            stepwise = settle(settle(initial, TIMED, at(first)), TIMED, at(later))
            assert stepwise == settle(initial, TIMED, at(later)), (first, later)


def test_a_reps_phase_stops_settling_however_long_it_takes() -> None:
    state = settle(start(MIXED, T0), MIXED, at(10_000))
    assert (state.phase, state.phase_started_at) == (2, at(40))
    assert not state.finished
    assert remaining_ms(state, MIXED, at(10_000)) is None


def test_pause_stops_time() -> None:
    paused = apply(start(TIMED, T0), TIMED, Action.PAUSE, at(10))
    for seconds in (10, 30, 60, 3600):
        state = settle(paused, TIMED, at(seconds))
        assert state == paused
        assert remaining_ms(paused, TIMED, at(seconds)) == 20_000
        assert elapsed_ms(paused, at(seconds)) == 10_000


def test_pausing_40_s_in_a_30_s_phase_leaves_the_same_remaining_time() -> None:
    state = start(TIMED, T0)
    assert remaining_ms(state, TIMED, at(10)) == 20_000
    state = apply(state, TIMED, Action.PAUSE, at(10))
    assert remaining_ms(state, TIMED, at(50)) == 20_000
    state = apply(state, TIMED, Action.RESUME, at(50))
    assert state.paused_ms == state.total_paused_ms == 40_000
    assert remaining_ms(state, TIMED, at(50)) == 20_000
    assert remaining_ms(state, TIMED, at(55)) == 15_000
    # The phase now ends 40 s later than it would have: at 70 s, not 30 s.
    assert settle(state, TIMED, at(69.999)).phase == 0
    after = settle(state, TIMED, at(70))
    assert (after.phase, after.phase_started_at, after.paused_ms) == (1, at(70), 0)
    assert after.total_paused_ms == 40_000
    assert settle(state, TIMED, at(200)).finished_at == at(100)


def test_several_pauses_in_one_phase_add_up() -> None:
    state = start(TIMED, T0)
    for pause, resume in [(5, 15), (20, 21.5), (25, 45)]:
        state = apply(state, TIMED, Action.PAUSE, at(pause))
        state = apply(state, TIMED, Action.RESUME, at(resume))
    assert state.paused_ms == 10_000 + 1_500 + 20_000
    # 30 s of phase plus 31.5 s of pauses.
    assert remaining_ms(state, TIMED, at(60)) == 1_500
    assert settle(state, TIMED, at(61.5)).phase == 1


# Controls from every state ------------------------------------------------------------------

RUNNING = ("running", RunState(phase=0, phase_started_at=T0), at(10))
PAUSED = ("paused", RunState(phase=0, phase_started_at=T0, paused_at=at(10)), at(50))
REPS = ("reps phase", RunState(phase=2, phase_started_at=at(40)), at(100))
LAST = ("last phase", RunState(phase=3, phase_started_at=at(100)), at(105))
FINISHED = (
    "finished",
    RunState(phase=3, phase_started_at=at(100), finished_at=at(110), ended_early=True),
    at(130),
)
#: The last phase ran out at 120 s; nobody asked until 130 s.
FINISHED_BY_TIME = ("finished by time", RunState(phase=3, phase_started_at=at(100)), at(130))

ERROR = "error"

#: (state, action) -> the state after it at `now`, or (ERROR, a word of the message).
CASES: dict[tuple[str, str], Any] = {
    # Running, in the first (timed) phase, 10 s in.
    ("running", "pause"): {"paused_at": at(10)},
    ("running", "resume"): (ERROR, "not paused"),
    ("running", "skip"): {"phase": 1, "phase_started_at": at(10), "skipped": (0,)},
    ("running", "back"): {"phase_started_at": at(10)},
    ("running", "done"): (ERROR, "timed"),
    ("running", "next"): {"phase": 1, "phase_started_at": at(10), "skipped": (0,)},
    ("running", "end"): {"finished_at": at(10), "ended_early": True},
    # Paused at 10 s; the control comes at 50 s.
    ("paused", "pause"): (ERROR, "already paused"),
    ("paused", "resume"): {"paused_at": None, "paused_ms": 40_000, "total_paused_ms": 40_000},
    ("paused", "skip"): {
        "phase": 1,
        "phase_started_at": at(50),
        "paused_at": at(50),
        "total_paused_ms": 40_000,
        "skipped": (0,),
    },
    ("paused", "back"): {
        "phase_started_at": at(50),
        "paused_at": at(50),
        "total_paused_ms": 40_000,
    },
    ("paused", "done"): (ERROR, "timed"),
    ("paused", "next"): {
        "phase": 1,
        "phase_started_at": at(50),
        "paused_at": at(50),
        "total_paused_ms": 40_000,
        "skipped": (0,),
    },
    ("paused", "end"): {
        "finished_at": at(50),
        "ended_early": True,
        "paused_at": None,
        "paused_ms": 40_000,
        "total_paused_ms": 40_000,
    },
    # A reps phase, 60 s in (it never ends by itself).
    ("reps phase", "pause"): {"paused_at": at(100)},
    ("reps phase", "resume"): (ERROR, "not paused"),
    ("reps phase", "skip"): {"phase": 3, "phase_started_at": at(100), "skipped": (2,)},
    ("reps phase", "back"): {"phase": 1, "phase_started_at": at(100)},
    ("reps phase", "done"): {"phase": 3, "phase_started_at": at(100)},
    ("reps phase", "next"): {"phase": 3, "phase_started_at": at(100)},
    ("reps phase", "end"): {"finished_at": at(100), "ended_early": True},
    # The last phase (timed), 5 s in.
    ("last phase", "pause"): {"paused_at": at(105)},
    ("last phase", "resume"): (ERROR, "not paused"),
    ("last phase", "skip"): {"finished_at": at(105), "skipped": (3,)},
    ("last phase", "back"): {"phase": 2, "phase_started_at": at(105)},
    ("last phase", "done"): (ERROR, "timed"),
    ("last phase", "next"): {"finished_at": at(105), "skipped": (3,)},
    ("last phase", "end"): {"finished_at": at(105), "ended_early": True},
}
for _name in ("finished", "finished by time"):
    for _action in Action.ALL:
        CASES[(_name, _action)] = (ERROR, "already finished")

STATES = {name: (state, now) for name, state, now in (RUNNING, PAUSED, REPS, LAST, FINISHED)}
STATES["finished by time"] = FINISHED_BY_TIME[1:]


def test_the_case_table_covers_every_control_from_every_state() -> None:
    assert set(CASES) == {(name, action) for name in STATES for action in Action.ALL}


@pytest.mark.parametrize(("name", "action"), list(CASES), ids=[f"{n}-{a}" for n, a in CASES])
def test_every_control_from_every_state(name: str, action: str) -> None:
    state, now = STATES[name]
    expected = CASES[(name, action)]
    if isinstance(expected, tuple) and expected[0] == ERROR:
        with pytest.raises(InvalidControl, match=expected[1]) as raised:
            apply(state, MIXED, action, now)
        message = str(raised.value)
        assert message.endswith(".") and message[0].isupper()  # a sentence for the person
        return
    assert apply(state, MIXED, action, now) == replace(state, **expected)


def test_an_unknown_control_is_rejected_with_its_name() -> None:
    with pytest.raises(InvalidControl, match="“jump” is not a player control"):
        apply(start(MIXED, T0), MIXED, "jump", at(1))


def test_skip_marks_the_phase_skipped_once_even_if_skipped_again() -> None:
    state = apply(start(MIXED, T0), MIXED, Action.SKIP, at(5))  # skip 0 -> 1
    state = apply(state, MIXED, Action.BACK, at(6))  # back to 0, un-skipped
    assert (state.phase, state.skipped) == (0, ())
    state = apply(state, MIXED, Action.SKIP, at(7))
    state = apply(state, MIXED, Action.SKIP, at(8))  # skip 1 -> 2
    assert (state.phase, state.skipped) == (2, (0, 1))
    state = apply(state, MIXED, Action.BACK, at(9))  # back to 1: 1 is un-skipped, 0 stays
    assert (state.phase, state.skipped) == (1, (0,))
    state = apply(state, MIXED, Action.SKIP, at(10))
    assert state.skipped == (0, 1)


def test_back_restarts_the_previous_phase_with_its_full_time() -> None:
    state = settle(start(MIXED, T0), MIXED, at(35))  # in the rest, since 30 s
    state = apply(state, MIXED, Action.BACK, at(35))
    assert (state.phase, state.phase_started_at) == (0, at(35))
    assert remaining_ms(state, MIXED, at(35)) == 30_000
    assert settle(state, MIXED, at(65)).phase == 1


def test_back_at_the_first_phase_restarts_it() -> None:
    state = apply(start(MIXED, T0), MIXED, Action.BACK, at(20))
    assert (state.phase, state.phase_started_at, state.skipped) == (0, at(20), ())
    assert remaining_ms(state, MIXED, at(20)) == 30_000


def test_controls_while_paused_keep_the_run_paused_in_the_new_phase() -> None:
    state = apply(start(MIXED, T0), MIXED, Action.PAUSE, at(10))
    steps = [(Action.SKIP, 1), (Action.SKIP, 2), (Action.DONE, 3), (Action.BACK, 2)]
    for seconds, (action, phase) in enumerate(steps, start=21):
        state = apply(state, MIXED, action, at(seconds))
        assert state.phase == phase
        assert state.paused_at == at(seconds)
        # Time stands still in the new phase too.
        assert settle(state, MIXED, at(1000)) == state
    state = apply(state, MIXED, Action.SKIP, at(30))  # on 3 again, paused, with its full time
    assert remaining_ms(state, MIXED, at(500)) == 20_000
    # Every moment since the first pause counts as paused.
    assert state.total_paused_ms == 20_000
    state = apply(state, MIXED, Action.RESUME, at(40))
    assert state.total_paused_ms == 30_000
    assert state.paused_ms == 10_000
    assert remaining_ms(state, MIXED, at(45)) == 15_000


def test_skipping_the_last_phase_while_paused_finishes_and_counts_the_pause() -> None:
    state = RunState(phase=3, phase_started_at=at(100), paused_at=at(105))
    state = apply(state, MIXED, Action.SKIP, at(115))
    assert state.finished_at == at(115)
    assert state.paused_at is None
    assert state.total_paused_ms == 10_000
    assert not state.ended_early


def test_done_on_a_reps_phase_moves_on_without_marking_it_skipped() -> None:
    state = RunState(phase=2, phase_started_at=at(40))
    state = apply(state, MIXED, Action.DONE, at(70))
    assert (state.phase, state.phase_started_at, state.skipped) == (3, at(70), ())


def test_a_control_after_a_phase_ran_out_applies_to_the_phase_time_reached() -> None:
    # Nobody polled after 30 s; a Pause at 35 s pauses the rest, 5 s in.
    state = apply(start(MIXED, T0), MIXED, Action.PAUSE, at(35))
    assert (state.phase, state.phase_started_at, state.paused_at) == (1, at(30), at(35))
    assert remaining_ms(state, MIXED, at(90)) == 5_000


# The `phase` the person was looking at ------------------------------------------------------


@pytest.mark.parametrize("action", [Action.SKIP, Action.NEXT])
def test_skip_or_next_for_a_phase_already_over_changes_nothing(action: str) -> None:
    # Phase 0 ended at 30 s; the tap for it arrives at 31 s.
    state = apply(start(MIXED, T0), MIXED, action, at(31), phase=0)
    assert state == RunState(phase=1, phase_started_at=at(30))
    assert remaining_ms(state, MIXED, at(31)) == 9_000


def test_done_for_a_reps_phase_already_done_changes_nothing() -> None:
    """A double tap on Done (two different control ids) moves one phase, not two."""
    state = RunState(phase=2, phase_started_at=at(40))
    once = apply(state, MIXED, Action.DONE, at(70), phase=2)
    assert once.phase == 3
    assert apply(once, MIXED, Action.DONE, at(70.2), phase=2) == once


def test_pause_naming_an_earlier_phase_pauses_the_current_one() -> None:
    state = apply(start(MIXED, T0), MIXED, Action.PAUSE, at(31), phase=0)
    assert (state.phase, state.paused_at) == (1, at(31))


@pytest.mark.parametrize("left_ms", [0, 1, 750, BOUNDARY_TOLERANCE_MS])
def test_a_control_naming_the_next_phase_within_the_tolerance_catches_up(left_ms: int) -> None:
    now = at(30 - left_ms / 1000)
    state = apply(start(MIXED, T0), MIXED, Action.SKIP, now, phase=1)
    # The server reached the rest (early, at `now`) and skipped it, not the stretch.
    assert (state.phase, state.phase_started_at, state.skipped) == (2, now, (1,))


@pytest.mark.parametrize("left_ms", [BOUNDARY_TOLERANCE_MS + 1, 2_000, 15_000])
def test_a_control_naming_the_next_phase_beyond_the_tolerance_does_not_catch_up(
    left_ms: int,
) -> None:
    now = at(30 - left_ms / 1000)
    state = apply(start(MIXED, T0), MIXED, Action.SKIP, now, phase=1)
    # The server's own phase is the one left; it counts as skipped only if it had run less
    # than DONE_PERCENT of its 30 s.
    skipped = (0,) if left_ms > 30_000 * (100 - DONE_PERCENT) / 100 else ()
    assert (state.phase, state.phase_started_at, state.skipped) == (1, now, skipped)


def test_a_pause_naming_the_next_phase_within_the_tolerance_pauses_that_phase() -> None:
    now = at(29)
    state = apply(start(MIXED, T0), MIXED, Action.PAUSE, now, phase=1)
    assert (state.phase, state.paused_at) == (1, now)
    assert remaining_ms(state, MIXED, at(300)) == 10_000


def test_catching_up_crosses_several_short_timed_phases_but_stops_at_a_reps_phase() -> None:
    phases = [
        Phase(PhaseKind.WORK, "A", duration_ms=1_000),
        Phase(PhaseKind.REST, "Rest", duration_ms=1_000),
        Phase(PhaseKind.WORK, "Count", reps=5),
        Phase(PhaseKind.WORK, "B", duration_ms=10_000),
    ]
    state = apply(start(phases, T0), phases, Action.PAUSE, at(0.5), phase=3)
    # 0 has 0.5 s left and the rest 1 s: both within the tolerance; the reps phase waits.
    assert (state.phase, state.paused_at) == (2, at(0.5))


def test_a_paused_run_does_not_catch_up() -> None:
    state = RunState(phase=0, phase_started_at=T0, paused_at=at(29.5))
    state = apply(state, MIXED, Action.RESUME, at(60), phase=1)
    assert (state.phase, state.paused_ms) == (0, 30_500)
    assert remaining_ms(state, MIXED, at(60)) == 500


def test_a_phase_number_past_the_end_does_not_catch_up() -> None:
    state = apply(start(MIXED, T0), MIXED, Action.SKIP, at(20), phase=len(MIXED))
    assert (state.phase, state.skipped) == (1, (0,))


# The summary --------------------------------------------------------------------------------


def test_summary_of_a_run_that_finished_by_time_alone() -> None:
    summary = summarise(start(TIMED, T0), TIMED, T0, at(500))
    assert summary.total_ms == summary.active_ms == 60_000
    assert summary.paused_ms == 0
    # Rests are not steps: phases 0 and 2 done, of 2.
    assert (summary.steps_done, len(summary.skipped), summary.steps_total) == (2, 0, 2)
    assert not summary.ended_early


def test_summary_counts_pauses_and_skips() -> None:
    state = start(MIXED, T0)
    state = apply(state, MIXED, Action.PAUSE, at(10))
    state = apply(state, MIXED, Action.RESUME, at(25))  # 15 s paused; 0 now ends at 45 s
    state = apply(state, MIXED, Action.DONE, at(80))  # reps phase reached at 55 s
    state = apply(state, MIXED, Action.SKIP, at(81))  # skip the last phase: finished
    summary = summarise(state, MIXED, T0, at(200))
    assert summary.total_ms == 81_000
    assert summary.paused_ms == 15_000
    assert summary.active_ms == 66_000
    assert (summary.steps_done, len(summary.skipped), summary.steps_total) == (2, 1, 3)
    assert not summary.ended_early


def test_summary_of_a_run_ended_early_does_not_count_the_phase_it_ended_in() -> None:
    state = settle(start(MIXED, T0), MIXED, at(50))  # on the reps phase since 40 s
    state = apply(state, MIXED, Action.END, at(50))
    summary = summarise(state, MIXED, T0, at(99))
    assert summary.total_ms == summary.active_ms == 50_000
    assert (summary.steps_done, len(summary.skipped), summary.steps_total) == (1, 0, 3)
    assert summary.ended_early


def test_summary_of_a_run_ended_while_paused_counts_the_pause_once() -> None:
    state = apply(start(MIXED, T0), MIXED, Action.PAUSE, at(10))
    state = apply(state, MIXED, Action.END, at(40))
    summary = summarise(state, MIXED, T0, at(1000))
    assert (summary.total_ms, summary.paused_ms, summary.active_ms) == (40_000, 30_000, 10_000)
    assert summary.steps_done == 0


def test_summary_of_a_run_still_paused_counts_the_pause_so_far() -> None:
    state = apply(start(MIXED, T0), MIXED, Action.PAUSE, at(10))
    summary = summarise(state, MIXED, T0, at(25))
    assert (summary.total_ms, summary.paused_ms, summary.active_ms) == (25_000, 15_000, 10_000)
    assert (summary.steps_done, summary.ended_early) == (0, False)


def test_summary_started_at_may_be_earlier_than_the_first_phase() -> None:
    state = RunState(phase=2, phase_started_at=at(40), finished_at=at(40), ended_early=True)
    summary = summarise(state, TIMED, at(-5), at(90))
    assert summary.total_ms == 45_000


def test_summary_does_not_count_the_get_ready_lead_in_as_a_step() -> None:
    phases = build_phases([FakeStep("Towel stretch", duration_seconds=30)], lead_in=True)
    summary = summarise(start(phases, T0), phases, T0, at(100))
    assert (summary.steps_done, summary.steps_total) == (1, 1)
