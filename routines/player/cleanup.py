"""The player's clean-up task (see routines/accounts/cleanup.py and CLEANUP_TASKS)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from routines.accounts.cleanup import delete_in_batches
from routines.player.models import Run


def old_guest_runs(now: dt.datetime) -> int:
    """Guests' runs (no user) started more than GUEST_RUN_MAX_AGE_DAYS ago. A signed-in
    person's runs stay; a guest's run becomes theirs when they log in."""
    cutoff = now - dt.timedelta(days=settings.GUEST_RUN_MAX_AGE_DAYS)
    return delete_in_batches(Run.objects.filter(user=None, started_at__lt=cutoff))
