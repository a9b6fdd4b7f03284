"""What the diary list and the history show of each entry or run, made once per page in Python.

The list's items are HTML made here with format_html (every value escaped), the history's
lines strings the template prints: no `{% url %}`, date filter, model method or template node
per row (with 50 rows a page, those were most of the page's time). The text is what the
template filters wrote before: `date:"D j M Y, H:i"` in the person's zone, with Django's
(translatable) names of days and months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from routines.diary.models import Context, Muscle, Side
from routines.diary.rules import needs_seeing_today

#: Stand-ins reversed once per page; each row's URL is the result with its own key put in.
_SAMPLE_PK = 900_000_001
_SAMPLE_UUID = UUID("00000000-0000-4000-8000-0000000c0ffe")

MUSCLES = dict(Muscle.choices)
SIDES = {value: str(label).lower() for value, label in Side.choices}
CONTEXTS = {value: str(label).lower() for value, label in Context.choices}


class UrlFor:
    """The URLs of one route for many objects, reversed once: `UrlFor("diary_edit", "pk")(7)`.
    Made per request, so a script prefix (SCRIPT_NAME) is honoured as `reverse` would."""

    def __init__(self, name: str, kwarg: str, sample: Any = _SAMPLE_PK) -> None:
        url = reverse(name, kwargs={kwarg: sample})
        head, found, tail = url.partition(str(sample))
        if not found or str(sample) in tail:
            raise ValueError(f"Cannot make {name}'s URLs from {url}.")
        self.head, self.tail = head, tail

    def __call__(self, key: object) -> str:
        return f"{self.head}{key}{self.tail}"


class LocalTime:
    """Formats moments in one zone as the `date` filter does, with the active language's names
    of days and months looked up once."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.days = [str(WEEKDAYS_ABBR[n]) for n in range(7)]
        self.months = [""] + [str(MONTHS_3[n]).title() for n in range(1, 13)]

    def day_and_time(self, local: dt.datetime, *, year: bool) -> str:
        """`D j M Y, H:i` (or `D j M, H:i` without the year) of a local datetime."""
        day = f"{self.days[local.weekday()]} {local.day} {self.months[local.month]}"
        if year:
            day = f"{day} {local.year}"
        return f"{day}, {local.hour:02}:{local.minute:02}"


#: The columns of CrampEntry that `entry_rows` reads, in its order.
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
    times = LocalTime(zone)
    edit, delete = UrlFor("diary_edit", "pk"), UrlFor("diary_delete", "pk")
    run_url = UrlFor("run_detail", "run_id", _SAMPLE_UUID)
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
                times.day_and_time(local, year=True),
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
    times = LocalTime(zone)
    url = UrlFor("run_detail", "run_id", _SAMPLE_UUID)
    return [
        RunLine(
            url(run_id),
            title,
            times.day_and_time(started.astimezone(zone), year=False),
            minutes,
            rating,
        )
        for run_id, title, started, minutes, rating in rows
    ]
