"""The guided player's core: a routine's phases and the run state machine.

Pure functions of (state, phases, now): no database, no clock. The views load a run, call one
of these with `timezone.now()`, and save what comes back; tests call them directly.

A *phase* is one timed or counted stretch of the routine: a step (or one side of an "each side"
step), a rest between steps, or the optional get-ready lead-in. Timed phases end by themselves
when their time is up; counted (reps) phases wait for Done. Remaining time is always derived from
timestamps, never counted down and stored.

A *step* is what the routine page lists and numbers: one Step of the routine. An "each side"
step is one step with two phases (left, then right); rests and the get-ready are not steps.
The routine page, the player ("Step 2 of 7"), the summary and the history all count steps this
way (`step_count`, `step_results`).

A work phase is *done* when it ran to its end (a timed phase), got Done (a counted one), or was
cut short (Skip, Next, End) after at least `DONE_PERCENT` of its time; otherwise it is skipped.
A step is done when all its phases are done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

LEAD_IN_MS = 5_000
#: A timed phase cut short after at least this share of its time counts as done, not skipped
#: (a stretch held 25 s of 30 s was done; one left after 5 s was not).
DONE_PERCENT = 80
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
        skipped = state.skipped
        if state.phase not in skipped and not ran_long_enough(current, elapsed_ms(state, now)):
            skipped = (*skipped, state.phase)
        return _enter(replace(state, skipped=skipped), phases, state.phase + 1, now)
    if action == Action.BACK:
        target = max(0, state.phase - 1)
        skipped = tuple(i for i in state.skipped if i != target)
        return _enter(replace(state, skipped=skipped), phases, target, now)
    # END
    pause = 0
    if state.paused_at is not None:
        pause = _ms(now - state.paused_at) if now > state.paused_at else 0
    return replace(
        state,
        finished_at=now,
        ended_early=True,
        paused_at=None,
        paused_ms=state.paused_ms + pause,
        total_paused_ms=state.total_paused_ms + pause,
    )


def _catch_up(state: RunState, phases: list[Phase], phase: int, now: dt.datetime) -> RunState:
    """Let the server reach `phase` if only a hair of timed phases stands in between."""
    while not state.finished and not state.paused and state.phase < phase < len(phases):
        duration = phases[state.phase].duration_ms
        if duration is None or duration - elapsed_ms(state, now) > BOUNDARY_TOLERANCE_MS:
            break
        state = _enter(state, phases, state.phase + 1, now)
    return state


def ran_long_enough(phase: Phase, elapsed: int) -> bool:
    """Whether a timed phase cut short after `elapsed` ms counts as done (see DONE_PERCENT)."""
    if phase.duration_ms is None:
        return False
    return elapsed * 100 >= phase.duration_ms * DONE_PERCENT


def step_count(phases: list[Phase]) -> int:
    """How many steps the routine has: each "each side" step counts once."""
    return len({p.step for p in phases if p.kind == PhaseKind.WORK})


def step_number(phases: list[Phase], index: int) -> int | None:
    """The step (1-based) phase `index` belongs to; for a rest, the step it follows; None for
    the get-ready."""
    step = phases[index].step
    return None if step is None else step + 1


def progress_words(phases: list[Phase], index: int) -> str:
    """Where phase `index` stands, as the player shows it: "Step 2 of 7"."""
    count = step_count(phases)
    phase = phases[index]
    number = step_number(phases, index)
    if phase.kind == PhaseKind.READY or number is None:
        return f"Get ready · {count} step{'' if count == 1 else 's'}"
    if phase.kind == PhaseKind.REST:
        return f"Rest after step {number} of {count}"
    return f"Step {number} of {count}"


class StepStatus:
    DONE = "done"
    SKIPPED = "skipped"
    #: Not reached, or ended during it before it was done.
    NOT_DONE = "not done"


@dataclass(frozen=True)
class StepResult:
    number: int
    title: str
    status: str
    #: For an "each side" step skipped on one side: the side that was done ("left").
    side_done: str = ""


class Outcome:
    #: Every step done.
    COMPLETE = "complete"
    #: Some steps done, some skipped or not reached.
    PARTIAL = "partial"
    #: No step done: everything skipped, or ended before any step was done.
    NOTHING = "nothing"
    #: Still going.
    RUNNING = "running"


def _phase_statuses(state: RunState, phases: list[Phase]) -> dict[int, str]:
    """Each work phase's status, for a state already settled."""
    reached = len(phases) if state.finished and not state.ended_early else state.phase
    statuses = {}
    for index, phase in enumerate(phases):
        if phase.kind != PhaseKind.WORK:
            continue
        if index in state.skipped:
            status = StepStatus.SKIPPED
        elif index < reached:
            status = StepStatus.DONE
        elif index == state.phase and state.finished_at is not None:
            # Ended in this phase: done if it had run long enough, else cut short.
            enough = ran_long_enough(phase, elapsed_ms(state, state.finished_at))
            status = StepStatus.DONE if enough else StepStatus.NOT_DONE
        else:
            status = StepStatus.NOT_DONE
        statuses[index] = status
    return statuses


def step_results(state: RunState, phases: list[Phase]) -> list[StepResult]:
    """Each step's result, in order (for a state already settled)."""
    statuses = _phase_statuses(state, phases)
    by_step: dict[int, list[int]] = {}
    for index in statuses:
        step = phases[index].step
        by_step.setdefault(step if step is not None else index, []).append(index)
    results = []
    for number, (_, indexes) in enumerate(sorted(by_step.items()), start=1):
        seen = [statuses[i] for i in indexes]
        side_done = ""
        if all(s == StepStatus.DONE for s in seen):
            status = StepStatus.DONE
        else:
            status = StepStatus.SKIPPED if StepStatus.SKIPPED in seen else StepStatus.NOT_DONE
            done_sides = [phases[i].side for i in indexes if statuses[i] == StepStatus.DONE]
            side_done = done_sides[0] if len(done_sides) == 1 and len(indexes) > 1 else ""
        results.append(StepResult(number, phases[indexes[0]].title, status, side_done))
    return results


@dataclass(frozen=True)
class Summary:
    total_ms: int
    active_ms: int
    paused_ms: int
    ended_early: bool
    finished: bool
    steps: tuple[StepResult, ...]

    @property
    def steps_total(self) -> int:
        return len(self.steps)

    def _with(self, status: str) -> list[StepResult]:
        return [step for step in self.steps if step.status == status]

    @property
    def done(self) -> list[StepResult]:
        return self._with(StepStatus.DONE)

    @property
    def skipped(self) -> list[StepResult]:
        return self._with(StepStatus.SKIPPED)

    @property
    def not_done(self) -> list[StepResult]:
        return self._with(StepStatus.NOT_DONE)

    @property
    def steps_done(self) -> int:
        return len(self.done)

    @property
    def outcome(self) -> str:
        if not self.finished:
            return Outcome.RUNNING
        if self.steps and self.steps_done == self.steps_total:
            return Outcome.COMPLETE
        return Outcome.PARTIAL if self.steps_done else Outcome.NOTHING

    @property
    def headline(self) -> str:
        """The summary's heading: praise only for a routine done in full."""
        outcome = self.outcome
        if outcome == Outcome.COMPLETE:
            return "Well done"
        if outcome == Outcome.PARTIAL and not self.ended_early:
            return "Partly done"
        if outcome == Outcome.RUNNING:
            return "In progress"
        return "Ended early"

    @property
    def status_words(self) -> str:
        """One line for the history: "finished", "ended early · 2 of 7 steps done"."""
        outcome = self.outcome
        if outcome == Outcome.RUNNING:
            return "not finished"
        if outcome == Outcome.COMPLETE:
            return f"finished · all {self.steps_total} steps"
        if outcome == Outcome.NOTHING:
            return "ended early · no steps done"
        head = "ended early" if self.ended_early else "partly done"
        return f"{head} · {self.steps_done} of {self.steps_total} steps done"


def summarise(
    state: RunState, phases: list[Phase], started_at: dt.datetime, now: dt.datetime
) -> Summary:
    state = settle(state, phases, now)
    until = state.finished_at or now
    total = max(0, _ms(until - started_at))
    paused = state.total_paused_ms
    if state.paused_at is not None:
        paused += _ms(until - state.paused_at)
    return Summary(
        total_ms=total,
        active_ms=max(0, total - paused),
        paused_ms=paused,
        ended_early=state.ended_early,
        finished=state.finished,
        steps=tuple(step_results(state, phases)),
    )
