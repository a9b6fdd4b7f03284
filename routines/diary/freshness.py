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

import datetime as dt
import functools
import hashlib
from typing import Any

from django.core.cache import caches
from django.db import connection

from routines.accounts.models import Profile
from routines.content.library.routines import BEDTIME
from routines.content.models import Routine
from routines.diary.models import CrampEntry
from routines.player.models import Run
from routines.reminders.models import Reminder, ReminderKind

#: The cache (settings.CACHES) that keeps the rendered parts of the diary's pages.
CACHE = "diary"
#: How long a rendered part is kept (seconds); its key makes it right for as long as it is.
SECONDS = 3600


#: What a page part can show, each named by aggregates of the person's rows that every write
#: to it moves: (model, aggregate, condition) triples, `{}` standing for a column. "entries" and
#: "runs": how many rows and their latest change (`updated_at`, moved by every save).
#: "finished": the times of the finished runs (the streak, minutes per week, the nightly
#: stretching), which a rating does not move: how many runs, how many not finished and the
#: latest finish. A finished run's times never change again (the player refuses controls once
#: it is over, the admin shows runs read-only), so a change to them is a run finished (one
#: fewer unfinished), a run deleted (one fewer run), or both: a run deleted and another
#: started and finished since the page was made, whose finish is later than any before it.
AGGREGATES: dict[str, tuple[tuple[type[Any], str, str, tuple[object, ...]], ...]] = {
    "entries": ((CrampEntry, "COUNT(*)", "", ()), (CrampEntry, "MAX({updated_at})", "", ())),
    "runs": ((Run, "COUNT(*)", "", ()), (Run, "MAX({updated_at})", "", ())),
    "finished": (
        (Run, "COUNT(*)", "", ()),
        (Run, "COUNT(*)", "{finished_at} IS NULL", ()),
        (Run, "MAX({finished_at})", "", ()),
    ),
    # Whether the bedtime stretches' reminder is on (the insights offer it if not): read with
    # the versions rather than in a query of its own.
    "bedtime": (
        (
            Reminder,
            "COUNT(*)",
            "{kind} = %s AND {enabled} = %s AND {routine} IN "
            "(SELECT {routine_pk} FROM {routine_table} WHERE {routine_slug} = %s)",
            (ReminderKind.STRETCH.value, True, BEDTIME.slug),
        ),
    ),
}


def _versions_sql(names: tuple[str, ...]) -> tuple[str, list[tuple[object, ...]]]:
    """`_write_versions_sql` for the default database, written once per process."""
    return _write_versions_sql(names, connection.vendor)


@functools.cache
def _write_versions_sql(
    names: tuple[str, ...], vendor: str
) -> tuple[str, list[tuple[object, ...]]]:
    """One statement of scalar subqueries (`vendor`: the database quoting the names), one
    per aggregate of the `names`, each answered on its own from an index (a count from the
    user index, a latest or the unfinished from a (user, column) one), and each subquery's
    parameters after the user's id. Written out because the ORM's way to aggregate two tables
    in one query groups by the user, and SQLite then reads every row through the user index."""
    quote = connection.ops.quote_name
    routines = Routine._meta
    named = {
        "routine_table": quote(routines.db_table),
        "routine_pk": quote(routines.pk.column),
        "routine_slug": quote(routines.get_field("slug").column),
    }
    parts: list[str] = []
    params: list[tuple[object, ...]] = []
    for name in names:
        for model, aggregate, condition, extra in AGGREGATES[name]:
            meta = model._meta
            columns = {f.name: quote(f.column) for f in meta.concrete_fields} | named
            where = f"{columns['user']} = %s"
            if condition:
                where = f"{where} AND {condition.format(**columns)}"
            parts.append(
                f"(SELECT {aggregate.format(**columns)} FROM {quote(meta.db_table)} WHERE {where})"
            )
            params.append(extra)
    return "SELECT " + ", ".join(parts), params


def diary_versions(user: Any, names: tuple[str, ...]) -> dict[str, tuple[Any, ...]]:
    """The version of each of the `names` (AGGREGATES) for the person, the aggregates' values:
    one query, whatever the size of the diary."""
    sql, params = _versions_sql(names)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for extra in params for value in (user.pk, *extra)])
        row = tuple(cursor.fetchone())
    made = {}
    for name in names:
        size = len(AGGREGATES[name])
        made[name], row = row[:size], row[size:]
    return made


def diary_version(user: Any, tables: tuple[str, ...] = ("entries", "runs")) -> str:
    """How many entries and runs (or only the `tables` named) the person has and when each
    last changed: one query, whatever the size of the diary."""
    return repr(diary_versions(user, tables))


def page_key(
    user: Any,
    profile: Profile,
    *parts: object,
    tables: tuple[str, ...] = ("entries", "runs"),
    versions: dict[str, tuple[Any, ...]] | None = None,
) -> str:
    """The key of one rendered page part: the person, their diary version (of the `tables`
    the part shows), the settings of theirs the pages use, and `parts` (what else the part
    shows: the page, date, range...). `versions`: the person's `diary_versions`, if read
    already for this request (one query for all a page's parts)."""
    if versions is None:
        versions = diary_versions(user, tables) if tables else {}
    named = (
        user.pk,
        user.get_username(),
        tables,
        [versions[name] for name in tables],
        profile.timezone,
        profile.quiet_start,
        profile.quiet_end,
        profile.bedtime,
        profile.paused_until,
        *parts,
    )
    return hashlib.sha256(repr(named).encode()).hexdigest()


def _slot(key: str, inputs: object) -> str:
    """Where `made_before` looks: `key` and a hash of the `inputs` (Python's, which may differ
    from one process to the next: a miss at worst, since the inputs are compared whole)."""
    try:
        hashed = hash(inputs)
    except TypeError:
        hashed = hash(repr(inputs))
    return f"{key}:{hashed:x}"


def made_before(key: str, inputs: object, now: dt.datetime) -> Any:
    """What was kept under `key` by `keep_made`, if it was made from `inputs` equal to these
    and is still right at `now`; None otherwise. For a part whose version moved with a write
    that changed nothing it shows (an entry's intensity, on the insights), or that the diary
    came back from (a cramp logged, then deleted): the part's inputs are read again, and if
    equal to those of a part made before, that part is not made again. The inputs are
    compared whole, not by a digest: equal inputs make an equal part."""
    found = caches[CACHE].get(_slot(key, inputs))
    if found is not None and found[0] == inputs and now < found[2]:
        return found[1]
    return None


def keep_made(key: str, inputs: object, made: object, until: dt.datetime) -> None:
    """Keep `made`, made from `inputs` and right until `until`, for `made_before`."""
    caches[CACHE].set(_slot(key, inputs), (inputs, made, until), SECONDS)
