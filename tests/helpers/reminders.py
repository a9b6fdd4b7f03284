"""Reminders, their occurrences and push subscriptions, made the way the tests need them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from routines.accounts.models import Profile
from routines.reminders.models import (
    Occurrence,
    PushSubscription,
    Reminder,
    ReminderKind,
    ScheduleKind,
)

if TYPE_CHECKING:
    from tests.push_receiver import Device


def make_reminder(user: Any, **fields: Any) -> Reminder:
    """A hydration reminder every 2 hours from 08:00 to 20:00, every day, unless told; its
    next fire worked out from now in the user's zone, as the app does on save."""
    values: dict[str, Any] = {
        "kind": ReminderKind.HYDRATION,
        "schedule": ScheduleKind.INTERVAL,
        "interval_minutes": 120,
        "window_start": dt.time(8),
        "window_end": dt.time(20),
        **fields,
    }
    reminder = Reminder(user=user, **values)
    reminder.next_fire_at = reminder.next_fire(Profile.for_user(user), timezone.now())
    reminder.save()
    return reminder


def make_occurrence(
    user: Any,
    kind: str = ReminderKind.HYDRATION,
    *,
    at: dt.datetime | None = None,
    **reminder_fields: Any,
) -> Occurrence:
    """An occurrence, due `at` (default: now), of a new reminder of `kind` at 10:00 each day."""
    reminder = Reminder.objects.create(
        user=user, kind=kind, schedule=ScheduleKind.FIXED, fixed_times=["10:00"], **reminder_fields
    )
    return Occurrence.objects.create(
        reminder=reminder, scheduled_for=timezone.now() if at is None else at
    )


def subscribe(user: Any, device: Device, user_agent: str = "") -> PushSubscription:
    """`user`'s browser subscribed to push on one of the local receiver's fake devices."""
    return PushSubscription.objects.create(
        user=user,
        endpoint=device.endpoint,
        p256dh=device.p256dh,
        auth=device.auth,
        user_agent=user_agent,
    )
