"""Adding to the diary within its caps: DIARY_MAX_ENTRIES_PER_ACCOUNT for a person, and
MAX_GUEST_CRAMPS for a guest's session (sessions.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from routines.diary.models import CrampEntry


class DiaryFull(Exception):
    """The account has as many diary entries as it may keep."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        super().__init__(
            f"Your diary holds its most entries ({cap:,}). Delete some old ones to add more."
        )


def add_entry(entry: CrampEntry, user: Any) -> CrampEntry:
    """Save a new entry for `user` unless the account is at its cap (DiaryFull). The user's
    row is locked while counting, so two entries added at once cannot pass the cap together."""
    cap = settings.DIARY_MAX_ENTRIES_PER_ACCOUNT
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
        if CrampEntry.objects.filter(user=user).count() >= cap:
            raise DiaryFull(cap)
        entry.user = user
        entry.save()
    return entry
