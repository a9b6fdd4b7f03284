"""The in-app banner of due reminders, polled by every page of a signed-in person."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from routines.accounts.http import safe_next_url, signed_in
from routines.reminders.banner import dismiss, due_occurrences
from routines.reminders.models import HydrationLog, Occurrence, ReminderKind


def _banner(
    request: HttpRequest, here: str, *, note: str = "", quiet_when_empty: bool = False
) -> HttpResponse:
    due = due_occurrences(request.user, request.session, timezone.now())
    if not due and not note and quiet_when_empty:
        return HttpResponse(status=204)
    items = [(occurrence, occurrence.reminder.title) for occurrence in due]
    context = {"items": items, "note": note, "here": here}
    return render(request, "reminders/banner.html#banner", context)


@require_GET
@never_cache
def due_banner(request: HttpRequest) -> HttpResponse:
    """The banner of due reminders, polled every minute by every page of a signed-in person.

    204 (htmx swaps nothing) when nothing is due and no banner is showing. The banner itself
    polls with `?showing=1`: when nothing is due any more, the empty poller replaces it.
    """
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    here = (request.htmx.current_url_abs_path or "") if request.htmx else ""
    return _banner(request, here, quiet_when_empty=request.GET.get("showing") != "1")


def _owned_occurrence(request: HttpRequest, pk: int) -> Occurrence:
    return get_object_or_404(
        Occurrence.objects.select_related("reminder__routine"), pk=pk, reminder__user=request.user
    )


@require_POST
@signed_in
def due_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    dismiss(request.session, _owned_occurrence(request, pk))
    if request.htmx:
        return _banner(request, safe_next_url(request))
    return redirect(safe_next_url(request) or "reminders")


@require_POST
@signed_in
def due_act(request: HttpRequest, pk: int) -> HttpResponse:
    """The banner's main button. Stretch: to the routine, ready to start. Hydration: one glass
    logged for this reminder (once, however often tapped), then the hydration page."""
    occurrence = _owned_occurrence(request, pk)
    dismiss(request.session, occurrence)
    reminder = occurrence.reminder
    if reminder.kind == ReminderKind.STRETCH:
        target = reminder.open_url()
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    created = HydrationLog.objects.log_occurrence(occurrence, timezone.now())
    note = "One glass logged." if created else "That glass was already logged."
    if request.htmx:
        return _banner(request, safe_next_url(request), note=note)
    messages.success(request, note)
    return redirect(reminder.open_url())
