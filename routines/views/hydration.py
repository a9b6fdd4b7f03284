"""The hydration log: "+1 glass" (in the app and from a notification), today's count against
the daily goal, the last seven days, and the goal settings.

"Today" is the person's own local day (Profile.timezone). People on a fluid limit see counts
only: no goal, no target, no bar to fill.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ..forms_hydration import HydrationSettingsForm
from ..models import HydrationLog, Profile, ReminderKind
from .reminders import refresh_all

WEEK_DAYS = 7
#: Where a plain (no-JavaScript) "+1 glass" goes back to: the page it came from.
RETURN_TO = {"home": "home", "log": "hydration"}


# Counting ---------------------------------------------------------------------------------


def profile_zone(profile: Profile) -> ZoneInfo:
    """The person's time zone; UTC if the stored name is not a known zone."""
    try:
        return ZoneInfo(profile.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The first instant of the local `day` in `zone`, in UTC."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone).astimezone(dt.UTC)


def glasses_by_day(user: Any, zone: ZoneInfo, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    """Glasses logged on each local day from `first` to `last` (inclusive); one query."""
    rows = (
        HydrationLog.objects.filter(
            user=user,
            at__gte=day_start(first, zone),
            at__lt=day_start(last + dt.timedelta(days=1), zone),
        )
        .annotate(day=TruncDate("at", tzinfo=zone))
        .values("day")
        .annotate(total=Sum("glasses"))
        .order_by()
    )
    return {row["day"]: row["total"] for row in rows}


@dataclass(frozen=True)
class Day:
    date: dt.date
    glasses: int
    #: None on a fluid limit: no target.
    goal: int | None

    @property
    def goal_met(self) -> bool:
        return self.goal is not None and self.glasses >= self.goal


@dataclass(frozen=True)
class Hydration:
    """What the hydration views show: today, and (on the log page) the last seven days."""

    today: Day
    week: list[Day]
    goal: int | None
    restricted: bool


def hydration_summary(
    user: Any, profile: Profile, now: dt.datetime, *, week: bool = True
) -> Hydration:
    zone = profile_zone(profile)
    today = now.astimezone(zone).date()
    first = today - dt.timedelta(days=WEEK_DAYS - 1) if week else today
    counts = glasses_by_day(user, zone, first, today)
    goal = None if profile.fluid_restriction else profile.hydration_goal
    dates = [first + dt.timedelta(days=offset) for offset in range((today - first).days + 1)]
    days = [Day(date=date, glasses=counts.get(date, 0), goal=goal) for date in dates]
    return Hydration(
        today=days[-1],
        week=days if week else [],
        goal=goal,
        restricted=profile.fluid_restriction,
    )


def home_hydration(request: HttpRequest, now: dt.datetime) -> dict[str, Any]:
    """The home page's "+1 glass" card for a signed-in person (nothing for guests)."""
    if not request.user.is_authenticated:
        return {}
    profile = Profile.for_user(request.user)
    return {"hydration": hydration_summary(request.user, profile, now, week=False)}


# Views ------------------------------------------------------------------------------------


def _page(
    request: HttpRequest, *, form: HydrationSettingsForm | None = None, status: int = 200
) -> HttpResponse:
    profile = Profile.for_user(request.user)
    context = {
        "hydration": hydration_summary(request.user, profile, timezone.now()),
        "form": form or HydrationSettingsForm(instance=profile),
    }
    return render(request, "hydration/log.html", context, status=status)


@require_GET
@login_required
@never_cache
def hydration_log(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _after_change(request: HttpRequest, note: str = "") -> HttpResponse:
    """htmx: the new progress (and, on the log page, the week, out of band). Plain: back to
    the page the button was on, with the count as a message."""
    origin = request.POST.get("from", "log")
    profile = Profile.for_user(request.user)
    summary = hydration_summary(request.user, profile, timezone.now(), week=origin == "log")
    if request.htmx:
        context = {"hydration": summary, "note": note, "oob_week": origin == "log"}
        return render(request, "hydration/log.html#changed", context)
    glasses = summary.today.glasses
    messages.success(
        request, note or f"{glasses} glass{'es' if glasses != 1 else ''} so far today."
    )
    return redirect(RETURN_TO.get(origin, "hydration"))


@require_POST
@login_required
def add_glass(request: HttpRequest) -> HttpResponse:
    HydrationLog.objects.create(user=request.user, at=timezone.now(), glasses=1)
    return _after_change(request)


@require_POST
@login_required
def undo_glass(request: HttpRequest) -> HttpResponse:
    """Take back the last glass logged today (local day); nothing before today."""
    profile = Profile.for_user(request.user)
    zone = profile_zone(profile)
    today = timezone.now().astimezone(zone).date()
    last = (
        HydrationLog.objects.filter(user=request.user, at__gte=day_start(today, zone))
        .order_by("-at", "-pk")
        .first()
    )
    if last is None:
        return _after_change(request, note="There is no glass to take back today.")
    if last.glasses > 1:
        last.glasses -= 1
        last.save(update_fields=["glasses"])
    else:
        last.delete()
    return _after_change(request, note="Took back one glass.")


@require_POST
@login_required
def hydration_settings(request: HttpRequest) -> HttpResponse:
    profile = Profile.for_user(request.user)
    form = HydrationSettingsForm(request.POST, instance=profile)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    form.save()
    # The fluid-restriction switch turns hydration reminders off or back on.
    refresh_all(profile, timezone.now())
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
    from ..tokens import occurrence_for_drank_token

    occurrence = occurrence_for_drank_token(token)
    if occurrence is None or occurrence.reminder.kind != ReminderKind.HYDRATION:
        return HttpResponse(
            "This link has expired or is not valid. Open Unknot to log your glass.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    HydrationLog.objects.get_or_create(
        occurrence=occurrence,
        defaults={"user_id": occurrence.reminder.user_id, "at": timezone.now(), "glasses": 1},
    )
    return HttpResponse(status=204)
