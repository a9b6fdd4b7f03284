from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .reminders import Occurrence


class HydrationLog(models.Model):
    """A glass drunk: from "+1 glass" in the app or "Drank a glass" on a notification."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hydration_logs"
    )
    at = models.DateTimeField()
    glasses = models.PositiveSmallIntegerField(default=1)
    #: Set when logged from a notification: one glass per occurrence, however often tapped.
    occurrence = models.OneToOneField(
        Occurrence, null=True, blank=True, on_delete=models.SET_NULL, related_name="hydration_log"
    )

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["user", "-at"], name="hydration_user_recent")]
        constraints = [
            models.CheckConstraint(
                name="hydration_glasses_range", condition=Q(glasses__gte=1, glasses__lte=10)
            )
        ]

    def __str__(self) -> str:
        return f"{self.glasses} glass(es) at {self.at:%Y-%m-%d %H:%M}"
