"""The diary's pages, kept rendered per person under a key that names everything they show.

A page's rendered part is cached (CACHES "diary", per process) under its person's diary
version: counters of the changes to their entries, runs and finished runs, kept on their
profile (Profile.CHANGES) and so read with the request's user, at no query whatever the size
of the diary. Every write to them moves its counter: an entry saved (post_save) or deleted
(CrampEntry.delete and its queryset's), a run started, saved finished or rated (post_save) or
deleted (post_delete), guest records claimed at log-in (the claim's `update()` sends no
signal: the diary's log-in receiver moves all three). A control on a run still going moves
nothing (and costs no query): no page shows an unfinished run's progress. A write that
bypassed all these (a queryset `update()` elsewhere) would not be seen: the app makes none.
The reminders a page shows are read afresh on every request and named in its key, as are the
person's settings the pages use, the local date and, on the insights, the moment the advice
may next change with the clock. The page a person sees right after a write is rendered afresh,
which the benchmark (bench/diary.py) measures apart from a repeat view.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.cache import caches

from routines.accounts.models import Profile

#: The cache (settings.CACHES) that keeps the rendered parts of the diary's pages.
CACHE = "diary"
#: How long a rendered part is kept (seconds); its key makes it right for as long as it is.
SECONDS = 3600


#: What a page part can show, each named by one of the person's change counters, kept on
#: their profile (Profile.CHANGES) and moved by every write to it (signals.py, models.py):
#: "entries", their cramps; "runs", their runs (started, finished, rated, deleted: what the
#: history's list, the rated routines and the summary's routines tried show); "finished", the
#: finished runs' times (the streak, minutes per week, the nightly stretching), which a
#: rating does not move.
TABLES = tuple(Profile.CHANGES)


def diary_versions(
    user: Any, names: tuple[str, ...], profile: Profile | None = None
) -> dict[str, int]:
    """The version of each of the `names` (TABLES) for the person: their profile's counter,
    read with the request's user (no query)."""
    if profile is None:
        profile = Profile.for_user(user)
    return {name: getattr(profile, Profile.CHANGES[name]) for name in names}


def page_key(
    user: Any,
    profile: Profile,
    *parts: object,
    tables: tuple[str, ...] = ("entries", "runs"),
) -> str:
    """The key of one rendered page part: the person, their diary version (of the `tables`
    the part shows), the settings of theirs the pages use, and `parts` (what else the part
    shows: the page, date, range...)."""
    versions = diary_versions(user, tables, profile)
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
