from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django_htmx.middleware import HtmxDetails

from routines.content.caching import render_cached
from routines.content.forms import LibraryFilterForm
from routines.content.models import Purpose, Routine, Step


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def routine_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = tuple(request.GET.get(name, "") for name in LibraryFilterForm.base_fields)
    partial_only = bool(request.htmx and not request.htmx.boosted)
    return render_cached(
        request,
        "routines/routine_list.html",
        lambda: _library_context(request.GET),
        key=filters,
        partial="results" if partial_only else "body",
        partial_only=partial_only,
    )


def _library_context(query: QueryDict) -> dict[str, Any]:
    form = LibraryFilterForm(query)
    routines = Routine.objects.for_list()
    status = 200
    if form.is_valid():
        if situation := form.cleaned_data["situation"]:
            routines = routines.filter(situations=situation)
        if area := form.cleaned_data["area"]:
            routines = routines.filter(body_areas=area)
    else:
        # Bad filter values: say so, and list nothing rather than guess.
        status = 400
        routines = routines.none()
    return {
        "form": form,
        "routines": routines,
        "situations": form.fields["situation"].queryset,
        "areas": form.fields["area"].queryset,
        "status": status,
    }


def routine_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def build() -> dict[str, Any]:
        routine = get_object_or_404(
            Routine.objects.visible_to(request.user)
            .select_related("cover")
            .prefetch_related(
                "body_areas",
                "situations",
                "sources",
                Prefetch("steps", queryset=Step.objects.select_related("image")),
            ),
            slug=slug,
        )
        return {
            "routine": routine,
            "title": routine.title,
            "description": routine.summary,
            "page": {"slug": routine.slug, "relief": routine.purpose == Purpose.RELIEF},
        }

    return render_cached(request, "routines/routine_detail.html", build, key=(slug,))
