from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django_htmx.middleware import HtmxDetails

from ..forms import LibraryFilterForm
from ..models import Routine, Step


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def routine_list(request: HtmxHttpRequest) -> HttpResponse:
    form = LibraryFilterForm(request.GET)
    routines = Routine.objects.for_list()
    status = 200
    if form.is_valid():
        if situation := form.cleaned_data["situation"]:
            routines = routines.filter(situations=situation)
        if area := form.cleaned_data["area"]:
            routines = routines.filter(body_areas=area)
    else:
        # Bad filter values: say so, and show nothing filtered rather than a wrong guess.
        status = 400
        routines = routines.none()
    # The form's choices come from the same tables: evaluate them once for the template.
    situations = list(form.fields["situation"].queryset)
    areas = list(form.fields["area"].queryset)
    context = {"form": form, "routines": routines, "situations": situations, "areas": areas}
    template = "routines/routine_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context, status=status)


def routine_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Staff may preview drafts ("View on site" in the admin); everyone else sees published only.
    routines = Routine.objects.all() if request.user.is_staff else Routine.objects.published()
    routine = get_object_or_404(
        routines.select_related("cover").prefetch_related(
            "body_areas",
            "situations",
            "sources",
            Prefetch("steps", queryset=Step.objects.select_related("image")),
        ),
        slug=slug,
    )
    return render(request, "routines/routine_detail.html", {"routine": routine})
