"""The private calendar feed: no sign-in, the token in the address is the key."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from routines.accounts.models import Profile
from routines.accounts.throttle import Limit, over_limit
from routines.reminders.calendar import feed
from routines.reminders.models import Reminder


def _token(group: str, request: HttpRequest) -> str:
    match = request.resolver_match
    return str(match.kwargs.get("token", "")) if match else ""


#: Calendar apps poll a feed every few hours; far more often is someone hammering it.
FEED_FETCHES = Limit(
    group="calendar-feed",
    rate="CALENDAR_FEED_RATE",
    key=_token,
    message="This calendar was fetched too often. Your calendar app will try again in {wait}.",
)


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    profile = Profile.objects.filter(calendar_token=token).first()
    if profile is None:
        raise Http404("No such calendar.")
    refused = over_limit(request, FEED_FETCHES)
    if refused is not None:
        return refused
    reminders = Reminder.objects.filter(user_id=profile.user_id, enabled=True).select_related(
        "routine"
    )
    site_url = request.build_absolute_uri("/").rstrip("/")
    data = feed(profile, reminders, site_url, timezone.now())
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="unknot-reminders.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
