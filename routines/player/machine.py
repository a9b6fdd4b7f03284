"""The guided player's core: a routine's phases and the run state machine.

Pure functions of (state, phases, now): no database, no clock. The views load a run, call one
of these with `timezone.now()`, and save what comes back; tests call them directly.

A *phase* is one timed or counted stretch of the routine: a step (or one side of an "each side"
step), a rest between steps, or the optional get-ready lead-in. Timed phases end by themselves
when their time is up; counted (reps) phases wait for Done. Remaining time is always derived from
timestamps, never counted down and stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

LEAD_IN_MS = 5_000
#: A control that names a later phase than the server has reached is applied after the server
#: catches up, if the phases in between are timed and end within this much of its time (the
#: client and server clocks disagree by a request's latency at a phase boundary).
BOUNDARY_TOLERANCE_MS = 1_500


class PhaseKind:
    READY = "ready"
    WORK = "work"
    REST = "rest"


@dataclass(frozen=True)
class Phase:
    kind: str
    title: str
    instruction: str = ""
    duration_ms: int | None = None
    reps: int | None = None
    side: str = "none"
    step: int | None = None
    step_kind: str = ""
    #: The second side of an "each side" step: the player cues "switch sides".
    switch_sides: bool = False
    image: dict[str, Any] | None = None

    @property
    def timed(self) -> bool:
        return self.duration_ms is not None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Phase:
        return cls(**data)


def build_phases(steps: Iterable[Any], *, lead_in: bool = False) -> list[Phase]:
    """The phases of a routine's steps, in order.

    Each step is one phase, or two for "each side" (left, then right); a rest phase follows a
    step with a rest, except after the last step.
    """
    steps = list(steps)
    phases: list[Phase] = []
    if lead_in:
        phases.append(
            Phase(
                kind=PhaseKind.READY,
                title="Get ready",
                instruction=steps[0].title if steps else "",
                duration_ms=LEAD_IN_MS,
            )
        )
    for index, step in enumerate(steps):
        image = None
        if step.image_id and step.image:
            image = {
                "url": step.image.file.url,
                "width": step.image.width,
                "height": step.image.height,
                "alt": step.image.alt,
            }
        sides = ["left", "right"] if step.side == "each" else [step.side]
        for number, side in enumerate(sides):
            phases.append(
                Phase(
                    kind=PhaseKind.WORK,
                    title=step.title,
                    instruction=step.instruction,
                    duration_ms=step.duration_seconds * 1000 if step.duration_seconds else None,
                    reps=step.reps,
                    side=side,
                    step=index,
                    step_kind=step.kind,
                    switch_sides=number == 1,
                    image=image,
                )
            )
        if step.rest_after_seconds and index < len(steps) - 1:
            phases.append(
                Phase(
                    kind=PhaseKind.REST,
                    title="Rest",
                    instruction="Let the muscle relax. Breathe slowly.",
                    duration_ms=step.rest_after_seconds * 1000,
                    step=index,
                )
            )
    return phases


class InvalidControl(Exception):
    """A control that does not fit the run's state. The message is for the person."""


class UnknownPhase(InvalidControl):
    """A control that names a phase the routine does not have."""


class Action:
    PAUSE = "pause"
    RESUME = "resume"
    SKIP = "skip"
    BACK = "back"
    DONE = "done"
    NEXT = "next"
    END = "end"

    ALL = (PAUSE, RESUME, SKIP, BACK, DONE, NEXT, END)


@dataclass(frozen=True)
class RunState:
    phase: int
    phase_started_at: dt.datetime
    paused_at: dt.datetime | None = None
    #: Time paused since the current phase started.
    paused_ms: int = 0
    total_paused_ms: int = 0
    finished_at: dt.datetime | None = None
    ended_early: bool = False
    skipped: tuple[int, ...] = field(default=())

    @property
    def paused(self) -> bool:
        return self.paused_at is not None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


def _ms(delta: dt.timedelta) -> int:
    return round(delta.total_seconds() * 1000)


def elapsed_ms(state: RunState, now: dt.datetime) -> int:
    """Time spent in the current phase, pauses excluded."""
    until = state.finished_at or state.paused_at or now
    return max(0, _ms(until - state.phase_started_at) - state.paused_ms)


def settle(state: RunState, phases: list[Phase], now: dt.datetime) -> RunState:
    """Move past every timed phase whose time ran out by `now` (exactly at its boundary)."""
    while not state.finished and not state.paused:
        duration = phases[state.phase].duration_ms
        if duration is None or elapsed_ms(state, now) < duration:
            break
        boundary = state.phase_started_at + dt.timedelta(milliseconds=duration + state.paused_ms)
        state = _enter(state, phases, state.phase + 1, boundary)
    return state


def remaining_ms(state: RunState, phases: list[Phase], now: dt.datetime) -> int | None:
    """Time left in the current phase at `now` (None for a counted phase)."""
    state = settle(state, phases, now)
    if state.finished:
        return 0
    duration = phases[state.phase].duration_ms
    if duration is None:
        return None
    return max(0, duration - elapsed_ms(state, now))


def _enter(state: RunState, phases: list[Phase], index: int, at: dt.datetime) -> RunState:
    """Start phase `index` at `at` (or finish the run after the last one). Pausing carries over."""
    total_paused = state.total_paused_ms
    if state.paused_at is not None:
        total_paused += _ms(at - state.paused_at) if at > state.paused_at else 0
    if index >= len(phases):
        return replace(
            state,
            phase=len(phases) - 1,
            finished_at=at,
            paused_at=None,
            paused_ms=0,
            total_paused_ms=total_paused,
        )
    return replace(
        state,
        phase=index,
        phase_started_at=at,
        paused_at=at if state.paused else None,
        paused_ms=0,
        total_paused_ms=total_paused,
    )


def start(phases: list[Phase], now: dt.datetime) -> RunState:
    if not phases:
        raise InvalidControl("This routine has no steps yet.")
    return RunState(phase=0, phase_started_at=now)


def apply(
    state: RunState,
    phases: list[Phase],
    action: str,
    now: dt.datetime,
    *,
    phase: int | None = None,
) -> RunState:
    """Apply one control at `now`. `phase` is the phase the person was looking at, if known.

    Raises InvalidControl, with a message for the person, when the control does not fit.
    """
    if action not in Action.ALL:
        raise InvalidControl(f"“{action}” is not a player control.")
    state = settle(state, phases, now)
    if state.finished:
        raise InvalidControl("This routine has already finished.")
    if phase is not None:
        state = _catch_up(state, phases, phase, now)
        if phase < state.phase and action in (Action.SKIP, Action.DONE, Action.NEXT):
            # The phase the person moved on from has already ended: nothing more to do.
            return state

    current = phases[state.phase]
    if action == Action.PAUSE:
        if state.paused:
            raise InvalidControl("The routine is already paused.")
        return replace(state, paused_at=now)
    if action == Action.RESUME:
        if state.paused_at is None:
            raise InvalidControl("The routine is not paused.")
        pause = _ms(now - state.paused_at) if now > state.paused_at else 0
        return replace(
            state,
            paused_at=None,
            paused_ms=state.paused_ms + pause,
            total_paused_ms=state.total_paused_ms + pause,
        )
    if action == Action.DONE or (action == Action.NEXT and not current.timed):
        if current.timed:
            raise InvalidControl("This step is timed: it moves on by itself, or use Skip.")
        return _enter(state, phases, state.phase + 1, now)
    if action in (Action.SKIP, Action.NEXT):
        skipped = state.skipped if state.phase in state.skipped else (*state.skipped, state.phase)
        return _enter(replace(state, skipped=skipped), phases, state.phase + 1, now)
    if action == Action.BACK:
        target = max(0, state.phase - 1)
        skipped = tuple(i for i in state.skipped if i != target)
        return _enter(replace(state, skipped=skipped), phases, target, now)
    # END
    total_paused = state.total_paused_ms
    if state.paused_at is not None:
        total_paused += _ms(now - state.paused_at) if now > state.paused_at else 0
    return replace(
        state, finished_at=now, ended_early=True, paused_at=None, total_paused_ms=total_paused
    )


def _catch_up(state: RunState, phases: list[Phase], phase: int, now: dt.datetime) -> RunState:
    """Let the server reach `phase` if only a hair of timed phases stands in between."""
    while not state.finished and not state.paused and state.phase < phase < len(phases):
        duration = phases[state.phase].duration_ms
        if duration is None or duration - elapsed_ms(state, now) > BOUNDARY_TOLERANCE_MS:
            break
        state = _enter(state, phases, state.phase + 1, now)
    return state


@dataclass(frozen=True)
class Summary:
    total_ms: int
    active_ms: int
    paused_ms: int
    phases_done: int
    phases_skipped: int
    phases_total: int
    ended_early: bool


def summarise(
    state: RunState, phases: list[Phase], started_at: dt.datetime, now: dt.datetime
) -> Summary:
    state = settle(state, phases, now)
    until = state.finished_at or now
    total = max(0, _ms(until - started_at))
    paused = state.total_paused_ms
    if state.paused_at is not None:
        paused += _ms(until - state.paused_at)
    reached = state.phase + (1 if state.finished and not state.ended_early else 0)
    work = [i for i, p in enumerate(phases) if p.kind == PhaseKind.WORK]
    skipped = [i for i in state.skipped if i in work]
    done = [i for i in work if i < reached and i not in state.skipped]
    return Summary(
        total_ms=total,
        active_ms=max(0, total - paused),
        paused_ms=paused,
        phases_done=len(done),
        phases_skipped=len(skipped),
        phases_total=len(work),
        ended_early=state.ended_early,
    )
