from __future__ import annotations

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce

from routines.content.models.images import Image
from routines.content.models.routine import Routine

#: How long one repetition takes, for the time estimate of a step counted in reps.
REP_SECONDS = 3
MAX_DURATION = 30 * 60
MAX_REPS = 100
MAX_REST = 10 * 60


class StepKind(models.TextChoices):
    STRETCH = "stretch", "Stretch"
    MASSAGE = "massage", "Massage"
    HEAT = "heat", "Heat"
    COLD = "cold", "Cold"
    MOVEMENT = "movement", "Movement"
    STRENGTH = "strength", "Strength"
    POSITION = "position", "Get into position"
    REST = "rest", "Rest"
    HYDRATE = "hydrate", "Drink"
    CHECK = "check", "Check"


class Side(models.TextChoices):
    NONE = "none", "No side"
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    EACH = "each", "Each side (left, then right)"


class Step(models.Model):
    routine = models.ForeignKey(Routine, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField(default=0, db_index=True)
    kind = models.CharField(max_length=10, choices=StepKind.choices, default=StepKind.STRETCH)
    title = models.CharField(max_length=120)
    instruction = models.TextField()
    duration_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text=f"1 to {MAX_DURATION} seconds. Leave empty for reps."
    )
    reps = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=f"1 to {MAX_REPS}. Leave empty for a timed step."
    )
    side = models.CharField(max_length=5, choices=Side.choices, default=Side.NONE)
    rest_after_seconds = models.PositiveIntegerField(
        "rest after (seconds)", default=0, help_text=f"0 to {MAX_REST} seconds."
    )
    image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                name="step_duration_xor_reps",
                condition=(
                    Q(duration_seconds__isnull=False, reps__isnull=True)
                    | Q(duration_seconds__isnull=True, reps__isnull=False)
                ),
                violation_error_message="Give either a duration or a number of reps, not both.",
            ),
            models.CheckConstraint(
                name="step_duration_range",
                condition=Q(duration_seconds__isnull=True)
                | Q(duration_seconds__gte=1, duration_seconds__lte=MAX_DURATION),
                violation_error_message="A duration must be between 1 second and 30 minutes.",
            ),
            models.CheckConstraint(
                name="step_reps_range",
                condition=Q(reps__isnull=True) | Q(reps__gte=1, reps__lte=MAX_REPS),
                violation_error_message=f"Reps must be between 1 and {MAX_REPS}.",
            ),
            models.CheckConstraint(
                name="step_rest_range",
                condition=Q(rest_after_seconds__lte=MAX_REST),
                violation_error_message="Rest after a step can be at most 10 minutes.",
            ),
            models.CheckConstraint(
                name="step_side_valid",
                condition=Q(side__in=Side.values),
                violation_error_message="Choose a valid side.",
            ),
            models.CheckConstraint(
                name="step_kind_valid",
                condition=Q(kind__in=StepKind.values),
                violation_error_message="Choose a valid kind of step.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_timed(self) -> bool:
        return self.duration_seconds is not None

    @property
    def sides(self) -> list[str]:
        """The sides this step runs on, in order: one phase each."""
        if self.side == Side.EACH:
            return [Side.LEFT, Side.RIGHT]
        return [self.side]

    @property
    def work_seconds(self) -> int:
        """Time for one side: the duration, or an estimate for reps."""
        if self.duration_seconds is not None:
            return self.duration_seconds
        return (self.reps or 0) * REP_SECONDS

    @property
    def total_seconds(self) -> int:
        return self.work_seconds * len(self.sides) + self.rest_after_seconds

    @staticmethod
    def total_seconds_expression() -> Coalesce:
        """SQL for `total_seconds`, used to sum a routine's time in the database."""
        work = Coalesce(F("duration_seconds"), F("reps") * Value(REP_SECONDS))
        sides = Case(When(side=Side.EACH, then=Value(2)), default=Value(1))
        return Coalesce(work * sides + F("rest_after_seconds"), Value(0))
