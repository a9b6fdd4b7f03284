"""What the diary list and the history show of each entry or run, made once per page in Python.

The list's items are HTML made here with format_html (every value escaped), the history's
lines strings the template prints: URLs reversed once a page (`pk_url`) and no template node
per row (with 50 rows a page, those were most of the page's time). Moments are formatted by
`date_format`, as the templates' `date` filter did, in the person's zone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.core.cache.backends.base import BaseCache
from django.urls import get_script_prefix
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from routines.diary.models import Context, Muscle, Side
from routines.diary.rules import needs_seeing_today
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


def entry_items(
    rows: Iterable[tuple[Any, ...]],
    zone: ZoneInfo,
    seen_today: Callable[[], SafeString],
    kept: BaseCache | None = None,
) -> list[SafeString]:
    """The diary list's entries (`ENTRY_COLUMNS` tuples) as HTML list items. The "get seen
    today" advice (`seen_today`, asked for only if needed) is said in full under the page's
    first long cramp; the others link to it, so the page says it once.

    With a cache `kept`, each item is kept there under a key made of everything it shows (the
    row's every value, the zone, which advice and the URLs' prefix): an entry edited is a new
    row, so only the items whose rows changed are made again."""
    urls = (pk_url("diary_edit"), pk_url("diary_delete"), pk_url("run_detail", "run_id", _RUN_MARK))
    advised = False
    wanted: list[tuple[tuple[Any, ...], str]] = []
    for row in rows:
        how = ""
        if needs_seeing_today(row[5]):
            how = "link" if advised else "full"
            advised = True
        wanted.append((row, how))
    if kept is None:
        found: dict[str, SafeString] = {}
        keys = [""] * len(wanted)
    else:
        named = (zone.key, get_script_prefix())
        keys = [
            "item:" + hashlib.sha256(repr((row, how, named)).encode()).hexdigest()
            for row, how in wanted
        ]
        found = kept.get_many(keys)
    made: list[SafeString] = []
    fresh: dict[str, SafeString] = {}
    for key, (row, how) in zip(keys, wanted, strict=True):
        item = found.get(key)
        if item is None:
            advice = SafeString()
            if how:
                advice = mark_safe(SEEN_TODAY_LINK) if how == "link" else seen_today()
            item = _entry_item(row, zone, advice, urls)
            fresh[key] = item
        made.append(item)
    if kept is not None and fresh:
        kept.set_many(fresh, ITEM_SECONDS)
    return made


@dataclass(frozen=True)
class RunLine:
    """One finished routine in the history."""

    url: str
    title: str
    when: str
    minutes: float
    rating: int | None


def run_lines(
    rows: Iterable[tuple[UUID, str, dt.datetime, float, int | None]], zone: ZoneInfo
) -> list[RunLine]:
    """The history's finished routines from (id, title, started, minutes, rating)."""
    url = pk_url("run_detail", "run_id", _RUN_MARK)
    return [
        RunLine(
            url(run_id),
            title,
            date_format(started.astimezone(zone), WITHOUT_YEAR),
            minutes,
            rating,
        )
        for run_id, title, started, minutes, rating in rows
    ]
