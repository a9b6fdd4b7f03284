from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from routines.accounts.models import Profile
from routines.content.models import Purpose, Routine
from routines.reminders.schedule import (
    ALL_WEEKDAYS,
    MAX_INTERVAL,
    MIN_INTERVAL,
    Schedule,
    fire_after,
    parse_time,
    snooze_end,
)


class ReminderKind(models.TextChoices):
    HYDRATION = "hydration", "Drink water"
    STRETCH = "stretch", "Stretch"


class ScheduleKind(models.TextChoices):
    INTERVAL = "interval", "Every few minutes, within a window"
    FIXED = "fixed", "At set times"


#: What the reminders page shows of each reminder (words.make_row), without the rest.
LIST_FIELDS = (
    "kind",
    "routine__title",
    "schedule",
    "interval_minutes",
    "window_start",
    "window_end",
    "fixed_times",
    "weekdays",
    "enabled",
    "snoozed_until",
    "next_fire_at",
)


class ReminderQuerySet(models.QuerySet["Reminder"]):
    def for_list(self) -> ReminderQuerySet:
        """For the reminders page: each reminder with its routine's title, and no more."""
        return self.select_related("routine").only(*LIST_FIELDS)

    def plan_reschedule(
        self, profile: Profile, now: dt.datetime
    ) -> list[tuple[int, dt.datetime | None, dt.datetime | None]]:
        """(pk, next_fire_at as read, new next_fire_at) of each of the owner's reminders,
        worked out outside any transaction: on SQLite a write transaction holds the whole
        database, so the work is done before one starts (`apply_reschedule`)."""
        return [
            (reminder.pk, reminder.next_fire_at, reminder.next_fire(profile, now))
            for reminder in self.filter(user_id=profile.user_id)
        ]

    def apply_reschedule(
        self,
        profile: Profile,
        now: dt.datetime,
        changes: list[tuple[int, dt.datetime | None, dt.datetime | None]],
    ) -> None:
        """Write a plan from `plan_reschedule`; call inside a transaction.

        Each write compares next_fire_at with the value the plan read, as the worker's claim
        does: a reminder that changed in between (sent, edited, new) is worked out again here,
        under a row lock, so it is either sent once or rescheduled, never both.
        """
        expected: dict[int, dt.datetime | None] = {}
        for pk, old, new in changes:
            if old == new or self.filter(pk=pk, next_fire_at=old).update(next_fire_at=new):
                expected[pk] = new
        current = self.filter(user_id=profile.user_id).values_list("pk", "next_fire_at")
        stale = [pk for pk, at in current if pk not in expected or expected[pk] != at]
        if stale:
            again = list(self.select_for_update().filter(pk__in=stale))
            for reminder in again:
                reminder.next_fire_at = reminder.next_fire(profile, now)
            self.bulk_update(again, ["next_fire_at"])


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

    objects = ReminderQuerySet.as_manager()

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

    @property
    def title(self) -> str:
        """What the reminder asks, as the list, the banner and the calendar show it."""
        if self.kind == ReminderKind.HYDRATION:
            return "Drink a glass of water"
        if self.routine is not None:
            return f"Stretch: {self.routine.title}"
        return "Stretch"

    def open_url(self) -> str:
        """Where the reminder takes the person (notification, banner, calendar event).

        Water: the hydration page. A stretch: its routine's page, ready to start; a relief
        routine's safety check, since relief always starts there; the library if the routine
        has gone.
        """
        if self.kind == ReminderKind.HYDRATION:
            return reverse("hydration")
        routine = self.routine
        if routine is None:
            return reverse("routine_list")
        if routine.purpose == Purpose.RELIEF:
            return reverse("safety_check", kwargs={"slug": routine.slug})
        return routine.get_absolute_url()

    def schedule_for(self, profile: Profile) -> Schedule:
        """The reminder's times with its owner's quiet hours and bedtime (saved or not).

        Malformed stored fixed times are left out (the form never saves them), so the worker
        keeps going; a reminder with no usable time never fires.
        """
        rules: dict[str, Any] = {
            "weekdays": self.weekdays,
            "quiet_start": profile.quiet_start,
            "quiet_end": profile.quiet_end,
            # The 2 hours before bedtime are kept free of drinks (S32: evening fluids and
            # sleep), not of stretching: the bedtime routine belongs right before sleep.
            "bedtime": profile.bedtime if self.kind == ReminderKind.HYDRATION else None,
        }
        if self.schedule == ScheduleKind.INTERVAL:
            minutes, start, end = self.interval_minutes, self.window_start, self.window_end
            if minutes is None or start is None or end is None:
                return Schedule(times=(), **rules)
            return Schedule.every(minutes, start, end, **rules)
        times = []
        for value in self.fixed_times or ():
            try:
                times.append(parse_time(value))
            except ValueError:
                continue
        return Schedule(times=tuple(times), **rules)

    def next_fire(self, profile: Profile, after: dt.datetime) -> dt.datetime | None:
        """The next fire time strictly after `after`, in UTC, or None.

        A disabled reminder never fires; nor does a hydration reminder for someone on a
        clinician's fluid restriction (a nudge to drink would contradict it). Snooze and the
        owner's pause apply (schedule.fire_after).
        """
        if not self.enabled:
            return None
        if self.kind == ReminderKind.HYDRATION and profile.fluid_restriction:
            return None
        return fire_after(
            self.schedule_for(profile),
            profile.zone,
            after,
            snoozed_until=self.snoozed_until,
            paused_until=profile.paused_until,
        )

    def reschedule(self, profile: Profile, now: dt.datetime, *fields: str) -> None:
        """Save `fields` (all, for a new reminder) with the next fire time recomputed."""
        self.next_fire_at = self.next_fire(profile, now)
        if self.pk is None or not fields:
            self.save()
        else:
            self.save(update_fields=[*fields, "next_fire_at", "updated"])

    def snooze(self, profile: Profile, now: dt.datetime, minutes: int | None) -> None:
        """Snooze for `minutes`, or (None) until its first time tomorrow, and save."""
        self.snoozed_until = snooze_end(self.schedule_for(profile), profile.zone, now, minutes)
        self.reschedule(profile, now, "snoozed_until")

    def unsnooze(self, profile: Profile, now: dt.datetime) -> None:
        self.snoozed_until = None
        self.reschedule(profile, now, "snoozed_until")

    def switch(self, profile: Profile, now: dt.datetime, *, on: bool) -> None:
        """Turn on or off; either way a snooze ends."""
        self.enabled = on
        self.snoozed_until = None
        self.reschedule(profile, now, "enabled", "snoozed_until")


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
