from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .routine import Routine

MIN_INTERVAL = 15
MAX_INTERVAL = 480
MAX_FIXED_TIMES = 12
ALL_WEEKDAYS = 0b1111111  # bit 0 = Monday ... bit 6 = Sunday


class ReminderKind(models.TextChoices):
    HYDRATION = "hydration", "Drink water"
    STRETCH = "stretch", "Stretch"


class ScheduleKind(models.TextChoices):
    INTERVAL = "interval", "Every few minutes, within a window"
    FIXED = "fixed", "At set times"


class Reminder(models.Model):
    """A hydration or stretch reminder: when, in the owner's local time, and what it opens."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    routine = models.ForeignKey(
        Routine, null=True, blank=True, on_delete=models.SET_NULL, related_name="reminders"
    )
    schedule = models.CharField(max_length=10, choices=ScheduleKind.choices)
    interval_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    window_start = models.TimeField(null=True, blank=True)
    window_end = models.TimeField(null=True, blank=True)
    #: Local wall-clock times "HH:MM", sorted, for the fixed schedule.
    fixed_times = models.JSONField(default=list, blank=True)
    #: Bit 0 Monday ... bit 6 Sunday.
    weekdays = models.PositiveSmallIntegerField(default=ALL_WEEKDAYS)
    enabled = models.BooleanField(default=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    #: The next occurrence, in UTC; recomputed whenever the schedule, zone or a send changes it.
    next_fire_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                name="reminder_interval_range",
                condition=Q(interval_minutes__isnull=True)
                | Q(interval_minutes__gte=MIN_INTERVAL, interval_minutes__lte=MAX_INTERVAL),
                violation_error_message=(
                    f"Choose an interval from {MIN_INTERVAL} to {MAX_INTERVAL} minutes."
                ),
            ),
            models.CheckConstraint(
                name="reminder_weekdays_range",
                condition=Q(weekdays__gte=1, weekdays__lte=ALL_WEEKDAYS),
                violation_error_message="Choose at least one day of the week.",
            ),
            models.CheckConstraint(
                name="reminder_schedule_complete",
                condition=(
                    Q(
                        schedule=ScheduleKind.INTERVAL,
                        interval_minutes__isnull=False,
                        window_start__isnull=False,
                        window_end__isnull=False,
                    )
                    | Q(schedule=ScheduleKind.FIXED)
                ),
                violation_error_message="An interval schedule needs an interval and a window.",
            ),
            models.CheckConstraint(
                name="reminder_kind_valid",
                condition=Q(kind__in=ReminderKind.values),
            ),
        ]
        indexes = [
            # The worker: enabled reminders due by now (WHERE enabled AND next_fire_at <= now).
            models.Index(
                fields=["next_fire_at"],
                condition=Q(enabled=True, next_fire_at__isnull=False),
                name="reminder_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user}"


class OccurrenceStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    MISSED = "missed", "Missed (the sender was down)"


class Occurrence(models.Model):
    """One scheduled time of one reminder, recorded once, then sent, then marked sent."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="occurrences")
    scheduled_for = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=OccurrenceStatus.choices, default=OccurrenceStatus.PENDING
    )
    #: A worker holds a pending occurrence until this time; after it, another may take it.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    #: When to try again after a temporary failure (429, 5xx).
    retry_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_for"]
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "scheduled_for"], name="occurrence_once_per_time"
            ),
        ]
        indexes = [
            # The worker's claim (delivery.claim): pending occurrences, oldest first
            # (WHERE status = 'pending' ... ORDER BY scheduled_for, id LIMIT n).
            models.Index(
                fields=["scheduled_for", "id"],
                condition=Q(status="pending"),
                name="occurrence_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reminder} at {self.scheduled_for:%Y-%m-%d %H:%M} UTC"
