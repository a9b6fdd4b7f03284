from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..models import BodyArea, Disclaimer, Purpose, Routine, SafetySign, TriageLevel

#: The situation a relief routine must have to be offered under "Cramp now".
CRAMP_NOW = "cramp-now"


def home(request: HttpRequest) -> HttpResponse:
    relief = list(
        Routine.objects.for_list().filter(purpose=Purpose.RELIEF, situations__slug=CRAMP_NOW)
    )
    # One relief routine per body area, the first in library order wins.
    by_area: dict[int, Routine] = {}
    for routine in relief:
        for area in routine.body_areas.all():
            by_area.setdefault(area.pk, routine)
    cramp_choices = [
        (area, by_area[area.pk]) for area in BodyArea.objects.all() if area.pk in by_area
    ]
    prevention = Routine.objects.for_list().filter(purpose=Purpose.PREVENTION)
    return render(
        request,
        "pages/home.html",
        {"cramp_choices": cramp_choices, "prevention": prevention},
    )


def get_help(request: HttpRequest) -> HttpResponse:
    levels = TriageLevel.objects.prefetch_related(
        Prefetch("signs", queryset=SafetySign.objects.prefetch_related("sources"))
    )
    return render(request, "pages/help.html", {"levels": levels})


def about(request: HttpRequest) -> HttpResponse:
    disclaimers = Disclaimer.objects.prefetch_related("sources")
    return render(request, "pages/about.html", {"disclaimers": disclaimers})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A failed CSRF check: say so in plain words; nothing was saved."""
    return render(request, "403_csrf.html", status=403)
