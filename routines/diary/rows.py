"""What the diary list and the history show of each entry or run, made once per page in Python.

The list's items are HTML made here with format_html (every value escaped), the history's
lines strings the template prints: URLs reversed once a page (`pk_url`) and no template node
per row (with 50 rows a page, those were most of the page's time). Moments are formatted by
`date_format`, as the templates' `date` filter did, in the person's zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

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


def entry_items(
    rows: Iterable[tuple[Any, ...]], zone: ZoneInfo, seen_today: Callable[[], SafeString]
) -> list[SafeString]:
    """The diary list's entries (`ENTRY_COLUMNS` tuples) as HTML list items. The "get seen
    today" advice (`seen_today`, asked for only if needed) is said in full under the page's
    first long cramp; the others link to it, so the page says it once."""
    edit, delete = pk_url("diary_edit"), pk_url("diary_delete")
    run_url = pk_url("run_detail", "run_id", _RUN_MARK)
    advised = False
    made = []
    for pk, started, muscle, side, intensity, lasted, context, helped, run_id, title in rows:
        local = started.astimezone(zone)
        meta = f" · lasted {lasted} min" if lasted else ""
        if context:
            meta = f"{meta} · {CONTEXTS[context]}"
        advice = SafeString()
        if needs_seeing_today(lasted):
            advice = mark_safe(SEEN_TODAY_LINK) if advised else seen_today()
            advised = True
        made.append(
            format_html(
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
        )
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
