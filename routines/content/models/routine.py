from __future__ import annotations

from django.db import models
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from routines.content.models.evidence import Evidence, Source
from routines.content.models.images import Image
from routines.content.models.publishing import PublishableQuerySet


def about_minutes(seconds: int) -> int:
    """Seconds as the whole minutes a page states, half a minute rounding up; at least 1."""
    return max(1, (int(seconds) + 30) // 60)


class Purpose(models.TextChoices):
    RELIEF = "relief", "Relief"
    PREVENTION = "prevention", "Prevention"


class Situation(models.Model):
    """When a routine is meant to be used: cramp now, bedtime, before exercise, ..."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class BodyArea(models.Model):
    """Where a routine works: calf, hamstring, thigh, foot."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "body area"

    def __str__(self) -> str:
        return self.name


class RoutineQuerySet(PublishableQuerySet["Routine"]):
    def with_total_seconds(self) -> RoutineQuerySet:
        """Annotate `total_seconds_db`: the whole routine's time, in one subquery.

        The same sum as `Routine.total_seconds` computes from prefetched steps, so a list page
        shows each routine's time without a query per routine.
        """
        from routines.content.models.step import Step

        steps = Step.objects.filter(routine=OuterRef("pk"))
        per_routine = (
            steps.order_by()
            .values("routine")
            .annotate(total=Sum(Step.total_seconds_expression()))
            .values("total")
        )
        # The player plays no rest after the last step: leave it out, as `total_seconds` does.
        last_rest = steps.order_by("-order", "-pk").values("rest_after_seconds")[:1]
        return self.annotate(
            total_seconds_db=Coalesce(Subquery(per_routine, output_field=IntegerField()), 0)
            - Coalesce(Subquery(last_rest, output_field=IntegerField()), 0)
        )

    def for_list(self) -> RoutineQuerySet:
        """Everything a routine card shows, in a constant number of queries."""
        return (
            self.published()
            .with_total_seconds()
            .select_related("cover")
            .prefetch_related("body_areas", "situations")
        )


class Routine(models.Model):
    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    summary = models.CharField(max_length=300, help_text="One or two sentences for the list.")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    situations = models.ManyToManyField(Situation, related_name="routines", blank=True)
    body_areas = models.ManyToManyField(BodyArea, related_name="routines", blank=True)
    published = models.BooleanField(default=False)
    cover = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    safety_notes = models.TextField(
        blank=True, help_text="Who should not do this routine, and when to stop. One per line."
    )
    evidence = models.CharField(
        "evidence level", max_length=10, choices=Evidence.choices, default=Evidence.WEAK
    )
    evidence_note = models.TextField(
        blank=True, help_text="In a sentence or two: what the sources say about this routine."
    )
    sources = models.ManyToManyField(Source, related_name="routines", blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first in lists.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = RoutineQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]
        indexes = [
            # The library page: published routines in list order.
            models.Index(
                fields=["order", "title"],
                condition=models.Q(published=True),
                name="routine_published_order",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("routine_detail", kwargs={"slug": self.slug})

    @property
    def total_seconds(self) -> int:
        """The routine's time as the player runs it: every step's time and its rest, but no
        rest after the last step (the player ends there). Reps are estimated (REP_SECONDS)."""
        annotated = getattr(self, "total_seconds_db", None)
        if annotated is not None:
            return int(annotated)
        steps = list(self.steps.all())
        last_rest = steps[-1].rest_after_seconds if steps else 0
        return sum(step.total_seconds for step in steps) - last_rest

    @property
    def minutes(self) -> int:
        """The routine's length in whole minutes, as every page says it ("About 11 min")."""
        return about_minutes(self.total_seconds)

    @property
    def step_count(self) -> int:
        """How many steps the routine has. A step is one item of its list: an "each side" step
        (left, then right) is one step; rests are not steps. The player counts the same way
        (routines/player/machine.py, `step_count`)."""
        return len(self.steps.all())

    def safety_note_lines(self) -> list[str]:
        return [line.strip() for line in self.safety_notes.splitlines() if line.strip()]

    def instruction_under_notes(self, instruction: str) -> str:
        """A step's instruction as the routine's page lists it, under the safety notes: less
        any note it repeats word for word (each relief routine's last step repeats the
        10-minute rule, which the notes already state), so the page says it once. The player,
        one step at a time, shows the whole instruction."""
        shorter = instruction
        for note in self.safety_note_lines():
            shorter = shorter.replace(note, "")
        if shorter == instruction:
            return instruction
        return " ".join(shorter.split()) or instruction
