"""What the diary list and the history show of each entry or run, made once per page in Python.

The list's items are HTML made here with format_html (every value escaped), the history's
lines strings the template prints: URLs reversed once a page (`pk_url`) and no template node
per row (with 50 rows a page, those were most of the page's time). Moments are formatted by
`date_format`, as the templates' `date` filter did, in the person's zone.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.cache.backends.base import BaseCache
from django.db import connection
from django.template.defaultfilters import floatformat
from django.urls import get_script_prefix
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from routines.diary.models import Context, CrampEntry, Muscle, Side
from routines.diary.rules import needs_seeing_today
from routines.player.models import Run
from routines.reminders.words import pk_url

#: A run id no run has: the run URLs are reversed once with it (`pk_url`).
_RUN_MARK = UUID("00000000-0000-4000-8000-0000000c0ffe")

MUSCLES = dict(Muscle.choices)
SIDES = {value: str(label).lower() for value, label in Side.choices}
CONTEXTS = {value: str(label).lower() for value, label in Context.choices}
#: How the list and the history show a moment, as the `date` filter did in their templates.
WITH_YEAR, WITHOUT_YEAR = "D j M Y, H:i", "D j M, H:i"


#: How long an entry's item is kept (seconds): its key names all it shows.
ITEM_SECONDS = 3600

#: The columns of CrampEntry that `entry_items` reads, in its order.
ENTRY_COLUMNS = (
    "pk",
    "started_at",
    "muscle",
    "side",
    "intensity",
    "lasted_minutes",
    "context",
    "helped",
    "run_id",
    "run__routine_title",
)
#: Where `ENTRY_COLUMNS` has a moment (started_at) and a UUID (run_id), for
#: moments.rows_with_moments.
ENTRY_MOMENTS, ENTRY_UUIDS = (1,), (8,)


@functools.cache
def entry_page_sql(vendor: str) -> str:
    """The statement of one page of a person's diary list, `ENTRY_COLUMNS` newest first (ties
    by id), its parameters the person's id, the page's size and its offset; `vendor`: the
    database quoting the names. The page's ids are read first from the list's index alone
    (the entries before a far page are not joined with their runs), then their entries.
    Written once per process: the ORM took longer to write it on every request than the
    database to answer it."""
    quote = connection.ops.quote_name
    entries, runs = CrampEntry._meta, Run._meta
    entry = {f.name: quote(f.column) for f in entries.concrete_fields}
    table, run_table = quote(entries.db_table), quote(runs.db_table)
    chosen = [f"e.{entry[name]}" for name in ENTRY_COLUMNS[1:-2]]
    run_id, title = entry["run"], quote(runs.get_field("routine_title").column)
    pk, started = entry[entries.pk.name], entry["started_at"]
    return (
        f"SELECT e.{pk}, {', '.join(chosen)}, e.{run_id}, r.{title} "
        f"FROM {table} e LEFT OUTER JOIN {run_table} r ON e.{run_id} = r.{quote(runs.pk.column)} "
        f"WHERE e.{pk} IN (SELECT u.{pk} FROM {table} u WHERE u.{entry['user']} = %s "
        f"ORDER BY u.{started} DESC, u.{pk} DESC LIMIT %s OFFSET %s) "
        f"ORDER BY e.{started} DESC, e.{pk} DESC"
    )


#: One entry of the diary list (format_html escapes every value put in).
ENTRY_ITEM = (
    '<li class="card diary-entry" id="cramp-{}">\n'
    '      <h2 class="diary-entry-title">{} <span class="intensity-tag">{}/10</span></h2>\n'
    '      <p class="muted"><time datetime="{}">{}</time>{}</p>\n'
    "      {}{}{}\n"
    '      <p class="entry-actions"><a class="button secondary small" href="{}">Change'
    '<span class="visually-hidden"> this entry</span></a> <a class="button secondary small" '
    'href="{}">Delete<span class="visually-hidden"> this entry</span></a></p>\n'
    "    </li>"
)
#: Under every long cramp but the first of the page, which has the advice in full.
SEEN_TODAY_LINK = (
    '<p class="callout callout-urgent" role="note"><strong>Get seen today.</strong> '
    '<a href="#seen-today">What to do</a></p>'
)


def _entry_item(
    row: tuple[Any, ...],
    zone: ZoneInfo,
    advice: SafeString,
    urls: tuple[Callable[[Any], str], Callable[[Any], str], Callable[[Any], str]],
) -> SafeString:
    pk, started, muscle, side, intensity, lasted, context, helped, run_id, title = row
    edit, delete, run_url = urls
    local = started.astimezone(zone)
    meta = f" · lasted {lasted} min" if lasted else ""
    if context:
        meta = f"{meta} · {CONTEXTS[context]}"
    return format_html(
        ENTRY_ITEM,
        pk,
        f"{MUSCLES[muscle]}, {SIDES[side]}",
        intensity,
        local.isoformat(),
        date_format(local, WITH_YEAR),
        meta,
        format_html("<p>Helped: {}</p>", helped) if helped else "",
        format_html('<p><a href="{}">{}</a></p>', run_url(run_id), title) if run_id else "",
        advice,
        edit(pk),
        delete(pk),
    )


def made_again(
    kept: BaseCache | None,
    key: str,
    rows: Sequence[Hashable],
    make: Callable[[Any], SafeString],
) -> list[SafeString]:
    """`make(row)` for each of `rows`, reusing what was made for the same row the last time
    the page under `key` was made (kept in the cache `kept`, if given). A row holds every
    value its item shows, and `key` names the rest (the person, the page, the zone, the URLs'
    prefix), so an item is reused only if it would be made the same: after a write, only the
    rows that changed are made again."""
    before: dict[Hashable, SafeString] = (kept.get(key) if kept is not None else None) or {}
    now: dict[Hashable, SafeString] = {}
    made = []
    for row in rows:
        item = before.get(row)
        if item is None:
            item = make(row)
        now[row] = item
        made.append(item)
    if kept is not None and now.keys() != before.keys():
        kept.set(key, now, ITEM_SECONDS)
    return made


def kept_key(*parts: object) -> str:
    """A key for `made_again`: the `parts` named, and the URLs' prefix."""
    return "rows:" + hashlib.sha256(repr((*parts, get_script_prefix())).encode()).hexdigest()


def entry_items(
    rows: Iterable[tuple[Any, ...]],
    zone: ZoneInfo,
    seen_today: Callable[[], SafeString],
    kept: BaseCache | None = None,
    key: str = "",
) -> list[SafeString]:
    """The diary list's entries (`ENTRY_COLUMNS` tuples) as HTML list items. The "get seen
    today" advice (`seen_today`, asked for only if needed) is said in full under the page's
    first long cramp; the others link to it, so the page says it once.

    With a cache `kept` and a `key` naming the person, the page and the zone, the items whose
    rows are the same as the last time are reused (`made_again`)."""
    urls = (pk_url("diary_edit"), pk_url("diary_delete"), pk_url("run_detail", "run_id", _RUN_MARK))
    advised = False
    wanted: list[tuple[tuple[Any, ...], str]] = []
    for row in rows:
        how = ""
        if needs_seeing_today(row[5]):
            how = "link" if advised else "full"
            advised = True
        wanted.append((tuple(row), how))

    def make(wanted: tuple[tuple[Any, ...], str]) -> SafeString:
        row, how = wanted
        advice = SafeString()
        if how:
            advice = mark_safe(SEEN_TODAY_LINK) if how == "link" else seen_today()
        return _entry_item(row, zone, advice, urls)

    return made_again(kept, key, wanted, make)


#: One finished routine of the history (format_html escapes every value put in).
RUN_LINE = '<li><a href="{}">{}</a>\n        <span class="muted">{} · {} min{}</span></li>'


def run_lines(
    rows: Iterable[tuple[UUID, str, dt.datetime, float, int | None]],
    zone: ZoneInfo,
    kept: BaseCache | None = None,
    key: str = "",
) -> list[SafeString]:
    """The history's finished routines from (id, title, started, minutes, rating), as HTML
    list items; with a cache `kept` and a `key` naming the person and the zone, those whose
    rows are the same as the last time are reused (`made_again`)."""
    url = pk_url("run_detail", "run_id", _RUN_MARK)

    def make(row: tuple[UUID, str, dt.datetime, float, int | None]) -> SafeString:
        run_id, title, started, minutes, rating = row
        return format_html(
            RUN_LINE,
            url(run_id),
            title,
            date_format(started.astimezone(zone), WITHOUT_YEAR),
            floatformat(minutes, 0),
            format_html(" · helped {}/5", rating) if rating else "",
        )

    return made_again(kept, key, list(rows), make)
