"""Whose run is it: a signed-in person's runs are theirs; a guest's are listed in their session.

A guest's runs become the person's own when they log in or sign up (signals.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from routines.player.models import Run

#: Session key listing a guest's runs (kept through log-in, when they become the user's).
GUEST_RUNS = "guest_runs"
#: A guest's session remembers this many runs, the newest.
MAX_GUEST_RUNS = 20
#: Session key listing when a guest started routines in the last hour (Unix times).
GUEST_STARTS = "guest_starts"
HOUR = dt.timedelta(hours=1)
#: Session key: whether this browser chose "Read each step aloud" on the last Start screen
#: (player/start_voice.html reads it as `request.session.player_voice`).
VOICE = "player_voice"


def owned_run(request: HttpRequest, run_id: UUID, *, for_update: bool = False) -> Run:
    """The run if it is this person's (their user, or a guest's session); otherwise 404."""
    runs = Run.objects.select_for_update() if for_update else Run.objects.all()
    if request.user.is_authenticated:
        return get_object_or_404(runs, id=run_id, user=request.user)
    if str(run_id) not in request.session.get(GUEST_RUNS, []):
        raise Http404("No such run.")
    return get_object_or_404(runs, id=run_id, user=None)


def _recent_starts(session: SessionBase, now: dt.datetime) -> list[float]:
    since = (now - HOUR).timestamp()
    return sorted(t for t in session.get(GUEST_STARTS, []) if since < t <= now.timestamp())


def guest_start_wait(session: SessionBase, now: dt.datetime) -> float | None:
    """None if this guest session may start another routine now; else the seconds until it
    may (GUEST_RUNS_PER_SESSION_PER_HOUR starts in any hour)."""
    starts = _recent_starts(session, now)
    cap = settings.GUEST_RUNS_PER_SESSION_PER_HOUR
    if len(starts) < cap:
        return None
    # The start that leaves the hour first makes room for one more.
    return starts[-cap] + HOUR.total_seconds() - now.timestamp()


def remember_guest_run(session: SessionBase, run: Run) -> None:
    session[GUEST_RUNS] = [*session.get(GUEST_RUNS, []), str(run.id)][-MAX_GUEST_RUNS:]
    starts = _recent_starts(session, run.started_at)
    session[GUEST_STARTS] = [*starts, run.started_at.timestamp()][-MAX_GUEST_RUNS * 5 :]


def claim_guest_runs(session: SessionBase, user: Any) -> None:
    """The session's guest runs become `user`'s."""
    ids = session.pop(GUEST_RUNS, [])
    if ids:
        Run.objects.filter(id__in=ids, user=None).update(user=user)


def remember_voice(session: SessionBase, chosen: bool) -> None:
    """Keep the Start screen's voice choice for this browser's session (its next Start screen
    and the player show it; the player script also keeps it on the device)."""
    if session.get(VOICE, False) != chosen:
        session[VOICE] = chosen


def voice_chosen(session: SessionBase) -> bool:
    return bool(session.get(VOICE, False))
