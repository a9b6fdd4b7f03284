"""The home page, which brings the apps together: "Cramp now", today's water (a guest's on
this device), prevention routines, and for a signed-in person their recent runs. Also the
site-wide CSRF failure page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from routines.accounts.models import Profile
from routines.content.caching import render_cached
from routines.content.models import BodyArea, Purpose, Routine
from routines.diary.forms import CrampForm
from routines.player.models import Run
from routines.reminders.hydration import guest_hydration, hydration_summary

#: The situation a relief routine must have to be offered under "Cramp now".
CRAMP_NOW = "cramp-now"
#: How many prevention routines the home page shows before "All routines".
HOME_PREVENTION = 6


def home(request: HttpRequest) -> HttpResponse:
    return render_cached(
        request, "pages/home.html", _home_context, also=("hero",), extra=_personal(request)
    )


def _personal(request: HttpRequest) -> dict[str, Any]:
    """The visitor's own part of the home page: today's glasses (a guest's from their session)
    and, signed in, their recent and unfinished runs."""
    now = timezone.now()
    if not request.user.is_authenticated:
        return {"hydration": guest_hydration(request.session, now, week=False)}
    runs, resumable = Run.objects.recent_for(request.user, now)
    profile = Profile.for_user(request.user)
    return {
        "recent_runs": runs,
        "resumable_run": resumable,
        "hydration": hydration_summary(request.user, profile, now, week=False),
    }


def _home_context() -> dict[str, Any]:
    relief = Routine.objects.for_list().filter(purpose=Purpose.RELIEF, situations__slug=CRAMP_NOW)
    # One relief routine per body area: the first in library order.
    by_area: dict[int, Routine] = {}
    for routine in relief:
        for area in routine.body_areas.all():
            by_area.setdefault(area.pk, routine)
    cramp_choices = [
        (area, by_area[area.pk]) for area in BodyArea.objects.all() if area.pk in by_area
    ]
    prevention = Routine.objects.for_list().filter(purpose=Purpose.PREVENTION)
    return {
        "cramp_choices": cramp_choices,
        "prevention": prevention[:HOME_PREVENTION],
        # The quick cramp log, for everyone (a guest's entries stay on their device). Only its
        # choices are shown, the same for all; the CSRF token is added per request.
        "cramp_form": CrampForm(now=timezone.now(), zone=dt.UTC),
    }


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A failed CSRF check: say so in plain words; nothing was saved."""
    return render(request, "403_csrf.html", status=403)
