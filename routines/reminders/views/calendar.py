"""The private calendar feed: no sign-in, the token in the address is the key."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from routines.accounts.models import Profile
from routines.reminders.calendar import build_calendar
from routines.reminders.models import Reminder


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    profile = Profile.objects.filter(calendar_token=token).first()
    if profile is None:
        raise Http404("No such calendar.")
    reminders = Reminder.objects.filter(user_id=profile.user_id, enabled=True).select_related(
        "routine"
    )
    site_url = request.build_absolute_uri("/").rstrip("/")
    calendar = build_calendar(profile, reminders, site_url, timezone.now())
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="unknot-reminders.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
