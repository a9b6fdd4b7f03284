"""The diary's pages, kept rendered per person under a key that names everything they show.

A page's rendered part is cached (CACHES "diary", per process) under its person's diary
version: how many entries, runs and reminders they have and when each last changed, read in one
query (answered from indexes). Any write to them (an entry logged, edited or deleted, a run
started, moved on, finished or rated, a reminder changed, guest records claimed) changes the
version, so a page is never shown stale; the key also names the person's settings the page
uses, the local date and, for the insights, the advice of this very moment. The page a person
sees right after a write is rendered afresh, which the benchmark (bench/diary.py) measures
apart from a repeat view.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, OuterRef, Subquery

from routines.accounts.models import Profile
from routines.diary.models import CrampEntry
from routines.player.models import Run
from routines.reminders.models import Reminder

#: The cache (settings.CACHES) that keeps the rendered parts of the diary's pages.
CACHE = "diary"
#: How long a rendered part is kept (seconds); its key makes it right for as long as it is.
SECONDS = 3600


def _latest(model: Any, changed: str) -> tuple[Subquery, Subquery]:
    mine = model.objects.filter(user=OuterRef("pk")).order_by().values("user")
    return (
        Subquery(mine.annotate(n=Count("*")).values("n")),
        Subquery(mine.annotate(last=Max(changed)).values("last")),
    )


def diary_version(user: Any) -> str:
    """How many entries, runs and reminders the person has and when each last changed: one
    query, whatever the size of the diary."""
    parts = (
        *_latest(CrampEntry, "updated_at"),
        *_latest(Run, "updated_at"),
        *_latest(Reminder, "updated"),
    )
    row = get_user_model().objects.filter(pk=user.pk).values_list(*parts).get()
    return "|".join(str(value) for value in row)


def page_key(user: Any, profile: Profile, *parts: object) -> str:
    """The key of one rendered page part: the person, their diary version, the settings of
    theirs the pages use, and `parts` (what else the part shows: the page, date, range...)."""
    named = (
        user.pk,
        user.get_username(),
        diary_version(user),
        profile.timezone,
        profile.quiet_start,
        profile.quiet_end,
        profile.bedtime,
        profile.paused_until,
        *parts,
    )
    return hashlib.sha256(repr(named).encode()).hexdigest()
