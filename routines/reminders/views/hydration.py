"""The hydration log: "+1 glass" (in the app and from a notification), today's count against
the daily goal, the last seven days, and the goal settings (hydration.py does the counting).

A guest logs glasses too, on this device (their session, no goal, no settings); they become
the person's own when they sign up or log in.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from routines.accounts.http import signed_in
from routines.accounts.models import Profile
from routines.accounts.zones import remember_guest_zone
from routines.reminders.forms import HydrationSettingsForm
from routines.reminders.hydration import (
    Hydration,
    add_guest_glass,
    guest_hydration,
    hydration_summary,
    take_back_guest_glass,
    take_back_one_today,
)
from routines.reminders.models import HydrationLog
from routines.reminders.services import save_profile
from routines.reminders.tokens import occurrence_for_drank_token

#: Where a plain (no-JavaScript) "+1 glass" goes back to: the page it came from.
RETURN_TO = {"home": "home", "log": "hydration"}


# Views ------------------------------------------------------------------------------------


def _summary(request: HttpRequest, *, week: bool = True) -> Hydration:
    """This person's glasses, or a guest's (from their session)."""
    now = timezone.now()
    if not request.user.is_authenticated:
        return guest_hydration(request.session, now, week=week)
    return hydration_summary(request.user, Profile.for_user(request.user), now, week=week)


def _page(
    request: HttpRequest, *, form: HydrationSettingsForm | None = None, status: int = 200
) -> HttpResponse:
    context = {"hydration": _summary(request)}
    if request.user.is_authenticated:
        context["form"] = form or HydrationSettingsForm(instance=Profile.for_user(request.user))
    return render(request, "hydration/log.html", context, status=status)


@require_GET
@never_cache
def hydration_log(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _after_change(request: HttpRequest, note: str = "") -> HttpResponse:
    """htmx: the new progress (and, on the log page, the week, out of band). Plain: back to
    the page the button was on, with the count as a message."""
    origin = request.POST.get("from", "log")
    summary = _summary(request, week=origin == "log")
    if request.htmx:
        context = {"hydration": summary, "note": note, "oob_week": origin == "log"}
        return render(request, "hydration/log.html#changed", context)
    glasses = summary.today.glasses
    messages.success(
        request, note or f"{glasses} glass{'es' if glasses != 1 else ''} so far today."
    )
    return redirect(RETURN_TO.get(origin, "hydration"))


@require_POST
def add_glass(request: HttpRequest) -> HttpResponse:
    """One glass, now: the person's, or a guest's in their session (with their browser's zone,
    for their "today")."""
    if request.user.is_authenticated:
        HydrationLog.objects.create(user=request.user, at=timezone.now(), glasses=1)
    else:
        remember_guest_zone(request.session, request.POST.get("timezone", ""))
        add_guest_glass(request.session, timezone.now())
    return _after_change(request)


@require_POST
def undo_glass(request: HttpRequest) -> HttpResponse:
    """Take back the last glass logged today (local day); nothing before today."""
    now = timezone.now()
    if request.user.is_authenticated:
        taken = take_back_one_today(request.user, Profile.for_user(request.user), now)
    else:
        taken = take_back_guest_glass(request.session, now)
    if not taken:
        return _after_change(request, note="There is no glass to take back today.")
    return _after_change(request, note="Took back one glass.")


@require_POST
@signed_in
def hydration_settings(request: HttpRequest) -> HttpResponse:
    profile = Profile.for_user(request.user)
    form = HydrationSettingsForm(request.POST, instance=profile)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    # The fluid-restriction switch turns hydration reminders off or back on.
    save_profile(form.save(commit=False), timezone.now())
    if profile.fluid_restriction:
        messages.success(
            request, "Saved. Unknot will show no goal; keep to your care team's advice."
        )
    else:
        messages.success(request, f"Saved. Your daily goal is {profile.hydration_goal} glasses.")
    return redirect("hydration")


@csrf_exempt  # the signed token in the URL is the authority, not a cookie
@require_POST
def drank(request: HttpRequest, token: str) -> HttpResponse:
    """The "Drank a glass" action of a hydration notification: one glass for its occurrence.

    The service worker posts here without cookies. A repeat tap finds the glass already
    logged (one log per occurrence) and changes nothing. 204 either way.
    """
    occurrence = occurrence_for_drank_token(token)
    if occurrence is None:
        return HttpResponse(
            "This link has expired or is not valid. Open Unknot to log your glass.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    HydrationLog.objects.log_occurrence(occurrence, timezone.now())
    return HttpResponse(status=204)
