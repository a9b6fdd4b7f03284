from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q

from routines.reminders.models.reminders import Occurrence


class HydrationLogQuerySet(models.QuerySet["HydrationLog"]):
    def log_occurrence(self, occurrence: Occurrence, now: dt.datetime) -> bool:
        """One glass for a hydration reminder's occurrence, however often it is tapped (the
        notification's "Drank a glass", the banner's button). True if this call logged it."""
        _, created = self.get_or_create(
            occurrence=occurrence,
            defaults={"user_id": occurrence.reminder.user_id, "at": now, "glasses": 1},
        )
        return created

    def take_back_one(self, user: Any, since: dt.datetime) -> bool:
        """Take back the last glass `user` logged at or after `since`; False if there is none."""
        with transaction.atomic():
            last = (
                self.select_for_update()
                .filter(user=user, at__gte=since)
                .order_by("-at", "-pk")
                .first()
            )
            if last is None:
                return False
            if last.glasses > 1:
                last.glasses -= 1
                last.save(update_fields=["glasses"])
            else:
                last.delete()
            return True


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

    objects = HydrationLogQuerySet.as_manager()

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
