from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from routines.accounts.zones import local_midnight, zone_or_utc


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class Profile(models.Model):
    """A signed-in person's settings: their time zone, and their reminder and hydration
    settings."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    #: IANA time zone name, taken from the browser at sign-up (editable).
    timezone = models.CharField("time zone", max_length=64, default="UTC")
    quiet_start = models.TimeField("quiet hours from", default=dt.time(21, 0))
    quiet_end = models.TimeField("quiet hours until", default=dt.time(7, 0))
    #: No reminder in the 2 hours before bedtime (evening fluids and sleep), if set.
    bedtime = models.TimeField(null=True, blank=True)
    #: All reminders paused until the end of this local date.
    paused_until = models.DateField(null=True, blank=True)
    hydration_goal = models.PositiveSmallIntegerField("daily goal (glasses)", default=8)
    #: On a clinician's fluid restriction: no targets, no hydration nudges beyond logging.
    fluid_restriction = models.BooleanField(default=False)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    #: How many times what each part of the diary's pages shows has changed (CHANGES), moved
    #: by `note_changes` and read with the profile: the pages' cache keys (diary/freshness.py).
    entries_changes = models.PositiveBigIntegerField(default=0, editable=False)
    runs_changes = models.PositiveBigIntegerField(default=0, editable=False)
    finished_changes = models.PositiveBigIntegerField(default=0, editable=False)

    #: The counters by what they count: "entries", any of the person's cramps saved or
    #: deleted; "runs", a run of theirs started, saved while finished (finished, ended early,
    #: rated) or deleted; "finished", the finished runs' times (a run finished, a finished
    #: run deleted; not a rating).
    CHANGES = {
        "entries": "entries_changes",
        "runs": "runs_changes",
        "finished": "finished_changes",
    }

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="profile_goal_range",
                condition=Q(hydration_goal__gte=1, hydration_goal__lte=30),
                violation_error_message="A daily goal is between 1 and 30 glasses.",
            )
        ]

    def __str__(self) -> str:
        return f"Settings of {self.user}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save the settings, never the change counters (unless named in `update_fields`):
        an instance read before a change was noted must not move a counter back."""
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            counters = set(self.CHANGES.values())
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in counters
            ]
        super().save(*args, **kwargs)

    @classmethod
    def note_changes(cls, user_id: Any, *names: str) -> None:
        """Move the person's counters of the `names` (CHANGES) on by one: one UPDATE."""
        if user_id is None or not names:
            return
        moved = {cls.CHANGES[name]: F(cls.CHANGES[name]) + 1 for name in names}
        cls.objects.filter(user_id=user_id).update(**moved)

    @classmethod
    def for_user(cls, user: models.Model) -> Profile:
        """The person's settings, created with the defaults on first use.

        No query for the signed-in user of a request, loaded with their profile by
        routines/accounts/backends.py.
        """
        # Only for the request's user, fresh from the database: any other user object may
        # carry a profile cached long ago (a worker's, a test's).
        loaded = user._state.fields_cache.get("profile")
        if getattr(user, "loaded_with_profile", False) and isinstance(loaded, cls):
            return loaded
        profile, _ = cls.objects.get_or_create(user=user)
        return profile

    @classmethod
    def loaded_with(cls, user: models.Model) -> Profile:
        """The profile read in the same query as `user` (`select_related("...profile")`), so
        as fresh as the user; read or created like `for_user` if it was not.

        For the reminder worker, which reads thousands of reminders with their owners at once
        and must not query once per reminder.
        """
        try:
            profile = user.profile  # type: ignore[attr-defined]
        except cls.DoesNotExist:
            return cls.for_user(user)
        assert isinstance(profile, cls)
        return profile

    @property
    def zone(self) -> ZoneInfo:
        """The person's time zone; UTC if the zone database no longer knows the stored name."""
        return zone_or_utc(self.timezone)

    def today(self, now: dt.datetime) -> dt.date:
        """The person's local date at `now`."""
        return now.astimezone(self.zone).date()

    def day_start(self, day: dt.date) -> dt.datetime:
        """The instant the local `day` starts (DST-safe: 01:00 where midnight is skipped)."""
        return local_midnight(day, self.zone)

    def new_calendar_link(self) -> None:
        """A new secret calendar address; the old one stops working at once."""
        self.calendar_token = new_calendar_token()
        self.save(update_fields=["calendar_token"])
