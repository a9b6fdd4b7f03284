from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from routines.content.models import Routine, Step
from routines.player.machine import (
    InvalidControl,
    Phase,
    RunState,
    Summary,
    UnknownPhase,
    apply,
    build_phases,
    remaining_ms,
    settle,
    start,
    step_count,
    summarise,
)

#: How many recent control ids a run remembers, so a repeated control is applied once.
RECENT_CONTROLS = 50


#: The fields a change of state writes (what `Run.set_state` sets).
STATE_FIELDS = (
    "phase",
    "phase_started_at",
    "paused_at",
    "paused_ms",
    "total_paused_ms",
    "finished_at",
    "ended_early",
    "skipped",
)
#: An unfinished run older than this is not offered to resume.
RESUME_WITHIN = dt.timedelta(hours=6)


class RunQuerySet(models.QuerySet["Run"]):
    def recent_for(
        self, user: Any, now: dt.datetime, limit: int = 5
    ) -> tuple[list[Run], Run | None]:
        """A signed-in person's recent runs, and an unfinished one to offer to resume."""
        runs = list(self.filter(user=user)[:limit])
        for run in runs:
            if run.finished_at is None and now - run.updated_at <= RESUME_WITHIN:
                run.settle(now)
                return runs, (run if run.finished_at is None else None)
        return runs, None


class Run(models.Model):
    """One person following one routine: its phases and where they are, as timestamps.

    The current phase and remaining time are derived (routines/player/machine.py), never
    counted down in the database.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    routine = models.ForeignKey(Routine, null=True, on_delete=models.SET_NULL, related_name="runs")
    routine_title = models.CharField(max_length=120)
    routine_slug = models.SlugField(max_length=140)
    #: A signed-in person's run; a guest's run has no user and is listed in their session.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="runs",
    )
    #: The phases as they were when the run started, so staff edits never break a run.
    phases = models.JSONField()
    lead_in = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    phase = models.PositiveIntegerField(default=0)
    phase_started_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_ms = models.BigIntegerField(default=0)
    total_paused_ms = models.BigIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    ended_early = models.BooleanField(default=False)
    skipped = models.JSONField(default=list)
    #: When the last control took effect: a control queued offline never applies before it.
    last_control_at = models.DateTimeField(null=True, blank=True)
    recent_controls = models.JSONField(default=list)
    #: The id the phone gave a run it started offline: the upload is accepted once.
    client_id = models.UUIDField(null=True, blank=True, editable=False)
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Did it help? 1 (not at all) to 5 (a lot)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                name="run_rating_range",
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                violation_error_message="A rating is from 1 to 5.",
            ),
            # Runs started offline (Run.record_offline): an upload sent twice counts once.
            models.UniqueConstraint(fields=["client_id"], name="run_client_id_unique"),
            models.CheckConstraint(
                name="run_paused_ms_not_negative",
                condition=Q(paused_ms__gte=0, total_paused_ms__gte=0),
            ),
        ]
        indexes = [
            # The home page: a signed-in person's recent runs, newest first.
            models.Index(fields=["user", "-started_at"], name="run_user_recent"),
            # The diary's history, insights and summary (routines/diary/insights.py and
            # summary.py): a person's runs by start time, with every column those pages read,
            # so that they are answered from the index without reading each run's phases.
            models.Index(
                fields=[
                    "user",
                    "started_at",
                    "finished_at",
                    "ended_early",
                    "total_paused_ms",
                    "rating",
                    "routine",
                    "routine_slug",
                    "routine_title",
                ],
                name="run_user_progress",
            ),
            # A person's finished runs (the history's totals, the nightly stretching).
            models.Index(fields=["user", "finished_at"], name="run_user_finished"),
            # The insights' rated routines (routines/diary/insights.py helpful_routines): a
            # person's ratings grouped by routine, read in the index's order without sorting.
            models.Index(
                fields=["user", "routine_title", "rating"],
                condition=Q(rating__isnull=False),
                name="run_user_rated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.routine_title} at {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("run_detail", kwargs={"run_id": self.id})

    def phase_list(self) -> list[Phase]:
        return [Phase.from_dict(data) for data in self.phases]

    @property
    def state(self) -> RunState:
        return RunState(
            phase=self.phase,
            phase_started_at=self.phase_started_at,
            paused_at=self.paused_at,
            paused_ms=self.paused_ms,
            total_paused_ms=self.total_paused_ms,
            finished_at=self.finished_at,
            ended_early=self.ended_early,
            skipped=tuple(self.skipped),
        )

    def set_state(self, state: RunState) -> None:
        self.phase = state.phase
        self.phase_started_at = state.phase_started_at
        self.paused_at = state.paused_at
        self.paused_ms = state.paused_ms
        self.total_paused_ms = state.total_paused_ms
        self.finished_at = state.finished_at
        self.ended_early = state.ended_early
        self.skipped = list(state.skipped)

    def summary(self, now: dt.datetime) -> Summary:
        """What was done and skipped, step by step, and how the run ended (at `now`)."""
        return summarise(self.state, self.phase_list(), self.started_at, now)

    @property
    def status_words(self) -> str:
        """How the run went, for the history: "finished · all 7 steps", "ended early · no
        steps done", "not finished" (time is not settled here: see `recent_for`)."""
        return self.summary(self.finished_at or self.updated_at).status_words

    @property
    def step_count(self) -> int:
        return step_count(self.phase_list())

    def remember_control(self, control_id: str) -> None:
        self.recent_controls = [*self.recent_controls, control_id][-RECENT_CONTROLS:]

    @classmethod
    def begin(cls, routine: Routine, *, user: Any, lead_in: bool, now: dt.datetime) -> Run:
        """Start `routine` now for `user` (None for a guest). Raises InvalidControl."""
        phases = cls._phases_of(routine, lead_in)
        run = cls._new(routine, phases, user=user, lead_in=lead_in, started_at=now)
        run.set_state(start(phases, now))
        run.save()
        return run

    @staticmethod
    def _phases_of(routine: Routine, lead_in: bool) -> list[Phase]:
        steps = Step.objects.filter(routine=routine).select_related("image")
        return build_phases(steps, lead_in=lead_in)

    @classmethod
    def _new(cls, routine: Routine, phases: list[Phase], **fields: Any) -> Run:
        """An unsaved run of `routine` with its phases as they are now."""
        return cls(
            routine=routine,
            routine_title=routine.title,
            routine_slug=routine.slug,
            phases=[phase.as_dict() for phase in phases],
            **fields,
        )

    @classmethod
    def record_offline(
        cls,
        routine: Routine,
        *,
        user: Any,
        client_id: uuid.UUID,
        lead_in: bool,
        started_at: dt.datetime,
        controls: list[tuple[str, int, dt.datetime]],
        now: dt.datetime,
    ) -> Run:
        """Save a run the phone started and followed offline: the routine as it is now, the
        phone's controls (action, phase, when) replayed in order, then whatever time alone
        changed by `now`.

        A control that no longer fits the replayed state (a boundary crossed a hair apart) is
        left out rather than losing the run. Raises InvalidControl (a routine with no steps,
        UnknownPhase for a phase it does not have); IntegrityError if `client_id` was saved.
        """
        phases = cls._phases_of(routine, lead_in)
        state = start(phases, started_at)
        last: dt.datetime | None = None
        for action, phase, at in controls:
            if phase >= len(phases):
                raise UnknownPhase("That step is not in this routine.")
            at = min(max(at, last or started_at), now)
            try:
                state = apply(state, phases, action, at, phase=phase)
            except InvalidControl:
                continue
            last = at
        run = cls._new(
            routine,
            phases,
            user=user,
            lead_in=lead_in,
            started_at=started_at,
            last_control_at=last,
            client_id=client_id,
        )
        run.set_state(settle(state, phases, now))
        run.save(force_insert=True)
        return run

    def settle(self, now: dt.datetime) -> None:
        """Save what time alone changed (phases that ended, the run finishing)."""
        state = settle(self.state, self.phase_list(), now)
        if state != self.state:
            self.set_state(state)
            self.save(update_fields=[*STATE_FIELDS, "updated_at"])

    def payload(self, now: dt.datetime) -> dict[str, Any]:
        """The run's state at `now`, as the player script reads it."""
        phases = self.phase_list()
        state = settle(self.state, phases, now)
        return {
            "id": str(self.id),
            "phase": state.phase,
            "phase_count": len(phases),
            "remaining_ms": remaining_ms(state, phases, now),
            "paused": state.paused,
            "finished": state.finished,
            "ended_early": state.ended_early,
            "skipped": list(state.skipped),
        }

    def apply_control(
        self,
        action: str,
        now: dt.datetime,
        *,
        phase: int | None = None,
        offset_ms: int = 0,
        control_id: str = "",
    ) -> bool:
        """Apply one control and save; False if `control_id` was applied before (a repeat).

        A control queued offline (`offset_ms` ago) applies when it happened, but never before
        the last control. Call it on a row locked with select_for_update. Raises
        InvalidControl (UnknownPhase for a phase the routine does not have).
        """
        if control_id and control_id in self.recent_controls:
            return False
        phases = self.phase_list()
        if phase is not None and phase >= len(phases):
            raise UnknownPhase("That step is not in this routine.")
        at = max(
            self.last_control_at or self.started_at, now - dt.timedelta(milliseconds=offset_ms)
        )
        self.set_state(apply(self.state, phases, action, at, phase=phase))
        self.last_control_at = at
        if control_id:
            self.remember_control(control_id)
        self.save(update_fields=[*STATE_FIELDS, "last_control_at", "recent_controls", "updated_at"])
        return True
