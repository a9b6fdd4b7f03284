"""The cramp diary: one entry per cramp, a person's (or, until they sign up, a guest's)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from routines.accounts.models import Profile
from routines.diary.rules import (
    INTENSITY_MAX,
    INTENSITY_MIN,
    LASTED_MAX_MINUTES,
    needs_seeing_today,
)
from routines.player.models import Run


class Muscle(models.TextChoices):
    CALF = "calf", "Calf"
    FOOT = "foot", "Foot or toes"
    HAMSTRING = "hamstring", "Back of thigh"
    THIGH = "thigh", "Front of thigh"
    OTHER = "other", "Somewhere else"


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"


class Context(models.TextChoices):
    NIGHT = "night", "At night, in bed"
    DURING_EXERCISE = "during_exercise", "During exercise"
    AFTER_EXERCISE = "after_exercise", "After exercise"
    RESTING = "resting", "Resting"
    OTHER = "other", "Something else"


class CrampEntryQuerySet(models.QuerySet["CrampEntry"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        """Delete the entries (the admin's bulk delete) and note the change for their people
        (Profile.note_changes). Not a post_delete receiver: one would make Django read and
        delete an account's entries 100 at a time when the account is deleted (a cascade,
        which does not come here, and needs no note: the counters go with the profile)."""
        people = set(self.exclude(user=None).values_list("user_id", flat=True).distinct())
        deleted = super().delete()
        for user_id in people:
            Profile.note_changes(user_id, "entries")
        return deleted


class CrampEntry(models.Model):
    """One cramp: where, which side, how bad (1-10), and optionally when it started, how long
    it lasted, what was going on, what helped, notes, and the relief run it led to."""

    #: A signed-in person's entry; a guest's has none and is listed in their session
    #: (sessions.py) until they log in or sign up.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cramp_entries",
    )
    started_at = models.DateTimeField("when it started")
    muscle = models.CharField(max_length=20, choices=Muscle.choices)
    side = models.CharField(max_length=5, choices=Side.choices)
    intensity = models.PositiveSmallIntegerField(
        help_text=f"{INTENSITY_MIN} (barely there) to {INTENSITY_MAX} (the worst imaginable)."
    )
    lasted_minutes = models.PositiveSmallIntegerField(
        "how long it lasted (minutes)", null=True, blank=True
    )
    context = models.CharField(
        "what you were doing", max_length=20, choices=Context.choices, blank=True
    )
    helped = models.CharField("what helped", max_length=200, blank=True)
    notes = models.TextField(max_length=1000, blank=True)
    #: The relief routine followed for this cramp, if it was started from the app.
    run = models.ForeignKey(
        Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="cramp_entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CrampEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "cramp"
        verbose_name_plural = "cramps"
        constraints = [
            models.CheckConstraint(
                name="cramp_intensity_range",
                condition=Q(intensity__gte=INTENSITY_MIN, intensity__lte=INTENSITY_MAX),
                violation_error_message="Intensity is from 1 to 10.",
            ),
            models.CheckConstraint(
                name="cramp_lasted_range",
                condition=Q(lasted_minutes__isnull=True)
                | Q(lasted_minutes__gte=1, lasted_minutes__lte=LASTED_MAX_MINUTES),
                violation_error_message="A cramp lasts from 1 to 600 minutes.",
            ),
            models.CheckConstraint(
                name="cramp_muscle_known", condition=Q(muscle__in=Muscle.values)
            ),
            models.CheckConstraint(name="cramp_side_known", condition=Q(side__in=Side.values)),
            models.CheckConstraint(
                name="cramp_context_known", condition=Q(context__in=[*Context.values, ""])
            ),
        ]
        indexes = [
            # The diary list's pages, newest first (ties by id): read from the index up to
            # the page, even page 30, without sorting a person's every entry.
            models.Index(fields=["user", "-started_at", "-id"], name="cramp_user_listed"),
        ]

    def __str__(self) -> str:
        where = f"{self.get_muscle_display()} ({self.get_side_display()})"
        return f"{where} {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("diary_edit", kwargs={"pk": self.pk})

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Delete the entry and note the change for its person (CrampEntryQuerySet.delete)."""
        deleted = super().delete(*args, **kwargs)
        Profile.note_changes(self.user_id, "entries")
        return deleted

    @property
    def needs_seeing_today(self) -> bool:
        """Lasted more than 10 minutes: an urgent appointment today (not 999/112/911)."""
        return needs_seeing_today(self.lasted_minutes)
