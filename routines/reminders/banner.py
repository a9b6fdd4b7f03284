"""The in-app banner: reminders that went off in the last few minutes, until dismissed.

Dismissals are kept in the session (per device), newest last.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from routines.reminders.models import Occurrence, OccurrenceStatus

#: A reminder stays in the in-app banner this long after its time, unless dismissed.
BANNER_WINDOW = dt.timedelta(minutes=15)
#: The most reminders the banner shows at once.
BANNER_MAX = 3
#: Session key: occurrences this person dismissed from the banner (newest last).
DISMISSED = "dismissed_occurrences"
MAX_DISMISSED = 50


def due_occurrences(user: Any, session: SessionBase, now: dt.datetime) -> list[Occurrence]:
    """This person's reminders that went off in the last 15 minutes and that they have not
    dismissed, newest first, one per reminder. One query: the occurrences of their reminders
    in a time range (the (reminder, scheduled_for) unique index)."""
    found = (
        Occurrence.objects.filter(
            reminder__user=user,
            reminder__enabled=True,
            scheduled_for__gt=now - BANNER_WINDOW,
            scheduled_for__lte=now,
        )
        .exclude(status=OccurrenceStatus.MISSED)
        .exclude(pk__in=session.get(DISMISSED, []))
        .select_related("reminder__routine")
        .order_by("-scheduled_for")[: BANNER_MAX * 4]
    )
    seen: set[int] = set()
    due = []
    for occurrence in found:
        if occurrence.reminder_id not in seen:
            seen.add(occurrence.reminder_id)
            due.append(occurrence)
    return due[:BANNER_MAX]


def dismiss(session: SessionBase, occurrence: Occurrence) -> None:
    dismissed = [pk for pk in session.get(DISMISSED, []) if pk != occurrence.pk]
    session[DISMISSED] = [*dismissed, occurrence.pk][-MAX_DISMISSED:]
