"""Everything the app holds about one person: as one JSON document (`export_for`), and gone
for good (`delete_everything`).

What is left out of the export, and why: the password hash (it is no use to anyone but an
attacker); the private calendar address's token and each device's push keys (`p256dh`,
`auth`): they are secrets that let whoever holds them read the calendar feed or send
notifications to the device, and a downloaded file is easily shared or lost. Each device is
listed by its endpoint and when it was added, which is enough to recognise it.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q

from routines.accounts.models import Profile
from routines.diary.models import CrampEntry
from routines.player.models import Run
from routines.reminders.models import (
    DeliveryAttempt,
    HydrationLog,
    Occurrence,
    PushSubscription,
    Reminder,
)

#: The version of the export's layout, in the file, so a reader can tell later ones apart.
EXPORT_FORMAT = 1
#: Session engines whose sessions are rows of django.contrib.sessions' table.
DATABASE_SESSIONS = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
)


def export_for(user: Any, now: dt.datetime) -> dict[str, Any]:
    """The person's data as plain values (dates as datetimes: DjangoJSONEncoder writes them as
    ISO 8601 in UTC). Eight queries, whatever the amount."""
    profile = Profile.for_user(user)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now,
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "settings": {
            "timezone": profile.timezone,
            "quiet_start": profile.quiet_start,
            "quiet_end": profile.quiet_end,
            "bedtime": profile.bedtime,
            "paused_until": profile.paused_until,
            "hydration_goal_glasses": profile.hydration_goal,
            "fluid_restriction": profile.fluid_restriction,
        },
        "runs": [
            {
                "id": run["id"],
                "routine": run["routine_title"],
                "routine_slug": run["routine_slug"],
                "started_at": run["started_at"],
                "finished_at": run["finished_at"],
                "ended_early": run["ended_early"],
                "paused_ms": run["total_paused_ms"],
                "skipped_steps": run["skipped"],
                "rating": run["rating"],
            }
            for run in Run.objects.filter(user=user)
            .order_by("started_at")
            .values(
                "id",
                "routine_title",
                "routine_slug",
                "started_at",
                "finished_at",
                "ended_early",
                "total_paused_ms",
                "skipped",
                "rating",
            )
        ],
        "cramp_diary": list(
            CrampEntry.objects.filter(user=user)
            .order_by("started_at", "id")
            .values(
                "id",
                "started_at",
                "muscle",
                "side",
                "intensity",
                "lasted_minutes",
                "context",
                "helped",
                "notes",
                "run_id",
                "created_at",
                "updated_at",
            )
        ),
        "reminders": [_reminder(reminder) for reminder in _reminders(user)],
        "reminder_occurrences": list(
            Occurrence.objects.filter(reminder__user=user)
            .order_by("scheduled_for", "id")
            .values("reminder_id", "scheduled_for", "status", "sent_at")
        ),
        "push_devices": list(
            PushSubscription.objects.filter(user=user)
            .order_by("created")
            .values("endpoint", "user_agent", "created", "last_delivered_at")
        ),
        "hydration_log": list(
            HydrationLog.objects.filter(user=user).order_by("at", "id").values("at", "glasses")
        ),
    }


def _reminders(user: Any) -> list[Reminder]:
    return list(Reminder.objects.filter(user=user).select_related("routine").order_by("pk"))


def _reminder(reminder: Reminder) -> dict[str, Any]:
    return {
        "id": reminder.pk,
        "kind": reminder.kind,
        "routine": reminder.routine.slug if reminder.routine else None,
        "schedule": reminder.schedule,
        "interval_minutes": reminder.interval_minutes,
        "window_start": reminder.window_start,
        "window_end": reminder.window_end,
        "fixed_times": reminder.fixed_times,
        "weekdays_mask": reminder.weekdays,
        "enabled": reminder.enabled,
        "snoozed_until": reminder.snoozed_until,
        "next_fire_at": reminder.next_fire_at,
        "created": reminder.created,
        "updated": reminder.updated,
    }


def delete_everything(user: Any, now: dt.datetime) -> None:
    """Delete the account and everything tied to it.

    The database's cascades take the profile, runs, diary, reminders with their occurrences
    and delivery records, push devices and hydration log. Three things are not tied by a key
    and go here by hand: the delivery records of test notifications (no occurrence; their
    device link would only be set to null), the person's log-in sessions on every device, and
    django-axes' records of wrong passwords for the username.
    """
    # Read outside the transaction: on SQLite a write transaction holds the whole database.
    sessions = _sessions_of(user.pk, now)
    with transaction.atomic():
        endpoints = PushSubscription.objects.filter(user=user).values_list("endpoint")
        DeliveryAttempt.objects.filter(
            Q(subscription__user=user)
            | Q(occurrence__reminder__user=user)
            | Q(endpoint__in=endpoints)
        ).delete()
        username = user.get_username()
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.objects.filter(username=username).delete()
        Session.objects.filter(session_key__in=sessions).delete()
        user.delete()


def _sessions_of(user_pk: Any, now: dt.datetime) -> list[str]:
    """The keys of the unexpired sessions signed in as `user_pk`. A session's data is signed
    and encoded, so each is read: a rare action, done in chunks."""
    if settings.SESSION_ENGINE not in DATABASE_SESSIONS:
        return []
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    wanted = str(user_pk)
    return [
        key
        for key, data in Session.objects.filter(expire_date__gt=now)
        .values_list("session_key", "session_data")
        .iterator(chunk_size=2000)
        if str(store.decode(data).get("_auth_user_id")) == wanted
    ]
