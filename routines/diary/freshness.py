"""The diary's pages, kept rendered per person under a key that names everything they show.

A page's rendered part is cached (CACHES "diary", per process) under its person's diary
version: how many entries and runs they have and when each last changed, read in one query
(answered from indexes); the history, which shows no entries, goes by the runs alone. Every
write the app makes to them (an entry logged, edited or deleted, a run started, moved on,
finished or rated, guest records claimed) saves the row, so its `updated_at` moves on or the
count changes, and with them the version: a page is never shown stale. (A write that bypassed
`save()`, a queryset `update()` leaving `updated_at` as it was, would not be seen: the app
makes none to entries or runs.) The reminders a page shows are read afresh on every request
and named in its key, as are the person's settings the pages use, the local date and, on the
insights, the moment the advice may next change with the clock. The page a person sees right
after a write is rendered afresh, which the benchmark (bench/diary.py) measures apart from a
repeat view.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import connection

from routines.accounts.models import Profile
from routines.diary.models import CrampEntry
from routines.player.models import Run

#: The cache (settings.CACHES) that keeps the rendered parts of the diary's pages.
CACHE = "diary"
#: How long a rendered part is kept (seconds); its key makes it right for as long as it is.
SECONDS = 3600


#: The person's tables a page can show, and the column each write moves on.
TABLES = {"entries": (CrampEntry, "updated_at"), "runs": (Run, "updated_at")}


def _changes_sql(tables: tuple[str, ...]) -> str:
    """How many rows of each of the person's `tables`, and their latest change: one statement,
    an index-only read each. Written out because the ORM's way to UNION two aggregates
    (`values("user").annotate(...)`) groups by the user, and SQLite then reads every row
    through the user index instead of the (user, updated_at) one: 10 ms for three years
    of records, more than the rest of a page."""
    quote = connection.ops.quote_name
    parts = []
    for number, name in enumerate(tables):
        model, changed = TABLES[name]
        meta = model._meta
        parts.append(
            f"SELECT {number}, COUNT(*), MAX({quote(meta.get_field(changed).column)}) "
            f"FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('user').column)} = %s"
        )
    return " UNION ALL ".join(parts)


def diary_version(user: Any, tables: tuple[str, ...] = ("entries", "runs")) -> str:
    """How many entries and runs (or only the `tables` named) the person has and when each
    last changed: one query, whatever the size of the diary."""
    with connection.cursor() as cursor:
        cursor.execute(_changes_sql(tables), [user.pk] * len(tables))
        rows = sorted(cursor.fetchall())
    return "|".join(f"{count}@{latest}" for _, count, latest in rows)


def page_key(
    user: Any,
    profile: Profile,
    *parts: object,
    tables: tuple[str, ...] = ("entries", "runs"),
) -> str:
    """The key of one rendered page part: the person, their diary version (of the `tables`
    the part shows), the settings of theirs the pages use, and `parts` (what else the part
    shows: the page, date, range...)."""
    named = (
        user.pk,
        user.get_username(),
        diary_version(user, tables),
        profile.timezone,
        profile.quiet_start,
        profile.quiet_end,
        profile.bedtime,
        profile.paused_until,
        *parts,
    )
    return hashlib.sha256(repr(named).encode()).hexdigest()
