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

from django.db import connection

from routines.accounts.models import Profile
from routines.diary.models import CrampEntry
from routines.player.models import Run
from routines.reminders.models import Reminder

#: The cache (settings.CACHES) that keeps the rendered parts of the diary's pages.
CACHE = "diary"
#: How long a rendered part is kept (seconds); its key makes it right for as long as it is.
SECONDS = 3600


def _changes_sql() -> str:
    """How many rows of each of the person's tables, and their latest change: one statement,
    three index-only reads (the ORM took longer to write it than the database to answer)."""
    quote = connection.ops.quote_name
    parts = []
    tables = ((CrampEntry, "updated_at"), (Run, "updated_at"), (Reminder, "updated"))
    for number, (model, changed) in enumerate(tables):
        meta = model._meta
        parts.append(
            f"SELECT {number}, COUNT(*), MAX({quote(meta.get_field(changed).column)}) "
            f"FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('user').column)} = %s"
        )
    return " UNION ALL ".join(parts)


def diary_version(user: Any) -> str:
    """How many entries, runs and reminders the person has and when each last changed: one
    query, whatever the size of the diary."""
    with connection.cursor() as cursor:
        cursor.execute(_changes_sql(), [user.pk] * 3)
        rows = sorted(cursor.fetchall())
    return "|".join(f"{count}@{latest}" for _, count, latest in rows)


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
