"""The diary's clean-up task (see routines/accounts/cleanup.py and CLEANUP_TASKS)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from routines.accounts.cleanup import delete_in_batches
from routines.diary.models import CrampEntry


def old_guest_entries(now: dt.datetime) -> int:
    """Guests' entries (no user) made more than GUEST_RUN_MAX_AGE_DAYS ago: their session has
    expired by then, so nobody can see them again."""
    cutoff = now - dt.timedelta(days=settings.GUEST_RUN_MAX_AGE_DAYS)
    return delete_in_batches(CrampEntry.objects.filter(user=None, created_at__lt=cutoff))
