"""Changes to a person's settings that move every reminder, each in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

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
