from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..caching import render_cached
from ..models import BodyArea, Disclaimer, Purpose, Routine, SafetySign, TriageLevel
from .hydration import home_hydration
from .player import recent_runs

#: The situation a relief routine must have to be offered under "Cramp now".
CRAMP_NOW = "cramp-now"
#: How many prevention routines the home page shows before "All routines".
HOME_PREVENTION = 6


def home(request: HttpRequest) -> HttpResponse:
    extra = recent_runs(request, timezone.now()) | home_hydration(request, timezone.now())
    return render_cached(request, "pages/home.html", _home_context, extra=extra)


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
    return {"cramp_choices": cramp_choices, "prevention": prevention[:HOME_PREVENTION]}


def get_help(request: HttpRequest) -> HttpResponse:
    def build() -> dict[str, Any]:
        signs = SafetySign.objects.prefetch_related("sources")
        return {"levels": TriageLevel.objects.prefetch_related(Prefetch("signs", queryset=signs))}

    return render_cached(request, "pages/help.html", build)


def about(request: HttpRequest) -> HttpResponse:
    return render_cached(
        request,
        "pages/about.html",
        lambda: {"disclaimers": Disclaimer.objects.prefetch_related("sources")},
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A failed CSRF check: say so in plain words; nothing was saved."""
    return render(request, "403_csrf.html", status=403)
