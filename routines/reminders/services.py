"""Changes to a person's settings that move every reminder, each in one transaction, and
adding a reminder within the account's cap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from routines.accounts.models import Profile
from routines.reminders.models import Reminder


def save_profile(profile: Profile, now: dt.datetime, fields: Iterable[str] | None = None) -> None:
    """Save `profile` (only `fields`, if given) and move every reminder's next time to match
    (zone, quiet hours, bedtime, pause, fluid restriction), all or nothing."""
    # The new times are worked out before the transaction, which then only writes: short, so
    # that on SQLite (one writer at a time) other people's writes do not wait behind it.
    changes = Reminder.objects.plan_reschedule(profile, now)
    with transaction.atomic():
        profile.save(update_fields=None if fields is None else list(fields))
        Reminder.objects.apply_reschedule(profile, now, changes)


class TooManyReminders(Exception):
    """The account has REMINDERS_MAX_PER_ACCOUNT reminders already; the message says so."""

    def __init__(self, cap: int) -> None:
        super().__init__(
            f"You have {cap} reminders, the most one account can have. Delete one you no "
            "longer need, or change one of them, to add another."
        )


def lock_reminders(profile: Profile) -> int:
    """Lock the person's profile row until the transaction ends (so two requests adding
    reminders take turns) and say how many reminders they have. Call inside `atomic`."""
    Profile.objects.select_for_update().filter(pk=profile.pk).first()
    return Reminder.objects.filter(user_id=profile.user_id).count()


def add_reminder(reminder: Reminder, profile: Profile, now: dt.datetime) -> None:
    """Save a new reminder with its next time, unless the account is at its cap (raises
    TooManyReminders and saves nothing). Two requests at once cannot both pass the cap."""
    cap = settings.REMINDERS_MAX_PER_ACCOUNT
    with transaction.atomic():
        if lock_reminders(profile) >= cap:
            raise TooManyReminders(cap)
        reminder.reschedule(profile, now)
