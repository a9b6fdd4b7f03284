"""The help page (when it is not a cramp) and the about page (disclaimers)."""

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse

from routines.content.caching import render_cached
from routines.content.models import Disclaimer, SafetySign, TriageLevel


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
