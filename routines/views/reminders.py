"""Reminders for signed-in people: the list, the reminder form with its live preview, snooze,
pause, settings, the in-app banner for a due reminder, and the private calendar feed.

Every mutation is a POST, answers 404 for someone else's reminder, and works with and without
htmx: an htmx request gets the changed part of the page, a plain one a redirect and a message.
Fire times are stored in UTC (`Reminder.next_fire_at`) and shown in the person's own zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from .. import schedule
from ..forms_reminders import (
    COMMON_ZONES,
    SNOOZE_CHOICES,
    PauseForm,
    ProfileSettingsForm,
    ReminderForm,
    SnoozeForm,
)
from ..models import (
    HydrationLog,
    Occurrence,
    OccurrenceStatus,
    Profile,
    Purpose,
    Reminder,
    ReminderKind,
    ScheduleKind,
)
from ..models.profile import new_calendar_token
from .accounts import safe_next_url

#: How many fire times the form previews.
PREVIEW_COUNT = 5
#: A reminder stays in the in-app banner this long after its time, unless dismissed.
BANNER_WINDOW = dt.timedelta(minutes=15)
#: The most reminders the banner shows at once.
BANNER_MAX = 3
#: Session key: occurrences this person dismissed from the banner (newest last).
DISMISSED = "dismissed_occurrences"
MAX_DISMISSED = 50
#: Each reminder in the calendar feed is an event this long, with an alarm at its start.
EVENT_LENGTH = dt.timedelta(minutes=5)
ICS_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
HYDRATION_URL = "/hydration/"
DEVICES_URL = "/push/devices/"

View = Callable[..., HttpResponse]


def signed_in(view: View) -> View:
    """`login_required` that also serves htmx: an htmx request from a signed-out page is sent
    to the login page as a whole page, never swapped into a part of one."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            query = QueryDict(mutable=True)
            query["next"] = request.htmx.current_url_abs_path or reverse("reminders")
            return HttpResponseClientRedirect(f"{reverse('login')}?{query.urlencode(safe='/')}")
        return redirect_to_login(request.get_full_path())

    return wrapper


# Words and local times --------------------------------------------------------------------


def every_words(minutes: int) -> str:
    """120 -> "every 2 hours", 60 -> "every hour", 45 -> "every 45 minutes"."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return "every hour" if hours == 1 else f"every {hours} hours"
    return f"every {minutes} minutes"


def days_words(mask: int) -> str:
    """The weekdays of a bitmask in a few words: "every day", "Monday to Friday", "on Tue and
    Thu"."""
    days = schedule.weekdays_from_mask(mask)
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    if len(days) == 7:
        return "every day"
    if days == [0, 1, 2, 3, 4]:
        return "Monday to Friday"
    if days == [5, 6]:
        return "at weekends"
    return "on " + and_list([names[day] for day in days])


def and_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def schedule_words(reminder: Reminder) -> str:
    """ "Every 2 hours from 08:00 to 20:00, every day" or "At 08:00 and 18:00, on weekdays"."""
    days = days_words(reminder.weekdays)
    if reminder.schedule == ScheduleKind.INTERVAL and reminder.interval_minutes:
        start = reminder.window_start.strftime("%H:%M") if reminder.window_start else "?"
        end = reminder.window_end.strftime("%H:%M") if reminder.window_end else "?"
        return (
            f"{every_words(reminder.interval_minutes).capitalize()} from {start} to {end}, {days}"
        )
    return f"At {and_list(list(reminder.fixed_times or []))}, {days}"


def reminder_title(reminder: Reminder) -> str:
    if reminder.kind == ReminderKind.HYDRATION:
        return "Drink a glass of water"
    if reminder.routine is not None:
        return f"Stretch: {reminder.routine.title}"
    return "Stretch"


def local_when(moment: dt.datetime, zone: ZoneInfo, now: dt.datetime) -> str:
    """A fire time as the person reads it, in their zone: "Today at 14:00", "Tomorrow at
    08:00", "Friday at 08:00", "Mon 3 Mar at 08:00"."""
    local = moment.astimezone(zone)
    today = now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days == 0:
        return f"Today at {clock}"
    if days == 1:
        return f"Tomorrow at {clock}"
    if 1 < days < 7:
        return f"{local:%A} at {clock}"
    return f"{local:%a} {local.day} {local:%b} at {clock}"


def in_sentence(when: str) -> str:
    """ "Today at 14:00" as it reads mid-sentence: "today at 14:00" (day names keep capitals)."""
    for word in ("Today", "Tomorrow"):
        if when.startswith(word):
            return word.lower() + when[len(word) :]
    return when


def local_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


@dataclass(frozen=True)
class Row:
    """One reminder as the list shows it."""

    reminder: Reminder
    title: str
    schedule: str
    next_time: str
    snoozed: str


def make_row(reminder: Reminder, zone: ZoneInfo, now: dt.datetime) -> Row:
    if not reminder.enabled:
        next_time = "Off"
    elif reminder.next_fire_at is None:
        next_time = "No time left to remind you (check quiet hours and days)"
    else:
        next_time = local_when(reminder.next_fire_at, zone, now)
    snoozed = ""
    if reminder.enabled and reminder.snoozed_until and reminder.snoozed_until > now:
        snoozed = f"Snoozed until {in_sentence(local_when(reminder.snoozed_until, zone, now))}"
    return Row(reminder, reminder_title(reminder), schedule_words(reminder), next_time, snoozed)


# Ownership and recomputing ----------------------------------------------------------------


def owned_reminder(request: HttpRequest, pk: int, *, for_update: bool = False) -> Reminder:
    """The reminder if it is this person's; otherwise 404."""
    reminders = Reminder.objects.select_related("routine")
    if for_update:
        # Lock the reminder row only: PostgreSQL cannot lock the nullable side of the join.
        reminders = reminders.select_for_update(of=("self",))
    return get_object_or_404(reminders, pk=pk, user=request.user)


def save_with_next_fire(
    reminder: Reminder, profile: Profile, now: dt.datetime, *fields: str
) -> None:
    """Save `fields` of one reminder with its next fire time recomputed from `now`."""
    reminder.next_fire_at = schedule.reminder_next_fire(reminder, profile, now)
    reminder.save(update_fields=[*fields, "next_fire_at", "updated"])


def refresh_all(profile: Profile, now: dt.datetime) -> None:
    """Recompute every reminder's next fire time after a change that moves them all (zone,
    quiet hours, bedtime, pause). The worker's claim compares next_fire_at, so a reminder it
    is sending meanwhile is either sent once or rescheduled, never both."""
    reminders = list(Reminder.objects.filter(user_id=profile.user_id))
    for reminder in reminders:
        reminder.next_fire_at = schedule.reminder_next_fire(reminder, profile, now)
    Reminder.objects.bulk_update(reminders, ["next_fire_at"])


# The list page ----------------------------------------------------------------------------


def feed_url(request: HttpRequest, profile: Profile) -> str:
    return request.build_absolute_uri(reverse("calendar_feed", args=[profile.calendar_token]))


def _list_context(
    request: HttpRequest, profile: Profile, now: dt.datetime, **extra: Any
) -> dict[str, Any]:
    zone = schedule.zone_or_utc(profile.timezone)
    reminders = Reminder.objects.filter(user=request.user).select_related("routine")
    today = now.astimezone(zone).date()
    paused = profile.paused_until is not None and profile.paused_until >= today
    url = feed_url(request, profile)
    return {
        "profile": profile,
        "rows": [make_row(reminder, zone, now) for reminder in reminders],
        "paused": paused,
        "paused_until": local_date(profile.paused_until) if paused else "",
        "pause_form": extra.pop("pause_form", None) or PauseForm(today=today),
        "snooze_choices": SNOOZE_CHOICES,
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
        "devices_url": DEVICES_URL,
        **extra,
    }


@require_GET
@signed_in
@never_cache
def reminder_list(request: HttpRequest) -> HttpResponse:
    profile = Profile.for_user(request.user)
    return render(request, "reminders/list.html", _list_context(request, profile, timezone.now()))


def _main_or_list(request: HttpRequest, profile: Profile, message: str) -> HttpResponse:
    """After a change that moves every reminder: htmx gets the list part, with the message in
    it; a plain request goes back to the list with the message."""
    if request.htmx:
        context = _list_context(request, profile, timezone.now(), note=message)
        return render(request, "reminders/list.html#main", context)
    messages.success(request, message)
    return redirect("reminders")


# One reminder: create, edit, preview, delete ----------------------------------------------


@dataclass(frozen=True)
class Preview:
    """The next fire times of a form's reminder, in local time, or why there are none."""

    times: list[str]
    zone: str
    problem: str = ""
    errors: tuple[str, ...] = ()


def preview_for(form: ReminderForm, profile: Profile, now: dt.datetime) -> Preview:
    zone = schedule.zone_or_utc(profile.timezone)
    if not form.is_valid():
        errors = tuple(
            str(error) for field_errors in form.errors.values() for error in field_errors
        )
        return Preview([], zone.key, "Fix what is marked to see the times.", errors)
    return preview_of(form.instance, profile, now)


def _form_page(
    request: HttpRequest,
    form: ReminderForm,
    reminder: Reminder | None,
    profile: Profile,
    *,
    status: int = 200,
    preview: Preview | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "reminder": reminder,
        "profile": profile,
        "preview": preview,
        "action": (
            reverse("reminder_edit", args=[reminder.pk]) if reminder else reverse("reminder_create")
        ),
    }
    return render(request, "reminders/form.html", context, status=status)


NEVER = (
    "Every one of these times falls in your quiet hours (or, for water, the two hours before "
    "bedtime), so this reminder would never go off."
)


def preview_of(reminder: Reminder, profile: Profile, now: dt.datetime) -> Preview:
    """The preview of a reminder as it stands (the form before any change)."""
    zone = schedule.zone_or_utc(profile.timezone)
    times = schedule.upcoming(
        schedule.Schedule.for_reminder(reminder, profile), zone, now, PREVIEW_COUNT
    )
    return Preview([local_when(t, zone, now) for t in times], zone.key, "" if times else NEVER)


def _save_reminder(request: HttpRequest, instance: Reminder, *, new: bool) -> HttpResponse:
    """The reminder form: GET shows it with a preview; POST with "preview" previews; POST
    saves, or shows the errors (400) and saves nothing."""
    profile = Profile.for_user(request.user)
    now = timezone.now()
    reminder = None if new else instance
    if request.method == "GET":
        form = ReminderForm(instance=instance)
        preview = preview_of(instance, profile, now)
        return _form_page(request, form, reminder, profile, preview=preview)
    form = ReminderForm(request.POST, instance=instance)
    if not form.is_valid():
        preview = preview_for(form, profile, now)
        return _form_page(request, form, reminder, profile, status=400, preview=preview)
    if "preview" in request.POST:
        preview = preview_for(form, profile, now)
        return _form_page(request, form, reminder, profile, preview=preview)
    saved = form.save(commit=False)
    saved.snoozed_until = None  # a changed reminder starts afresh
    saved.next_fire_at = schedule.reminder_next_fire(saved, profile, now)
    saved.save()
    row = make_row(saved, schedule.zone_or_utc(profile.timezone), now)
    if not saved.enabled:
        when = "It is off."
    elif saved.next_fire_at is None:
        when = "It has no time outside your quiet hours, so it will not go off."
    else:
        when = f"Next: {in_sentence(row.next_time)}."
    messages.success(request, f"Saved “{row.title}”. {when}")
    return redirect("reminders")


#: A new reminder's starting values, by kind (the brief's suggestions).
NEW_DEFAULTS: dict[str, dict[str, Any]] = {
    ReminderKind.HYDRATION: {
        "kind": ReminderKind.HYDRATION,
        "schedule": ScheduleKind.INTERVAL,
        "interval_minutes": schedule.HYDRATION_EVERY,
        "window_start": schedule.HYDRATION_FROM,
        "window_end": schedule.HYDRATION_UNTIL,
    },
    ReminderKind.STRETCH: {
        "kind": ReminderKind.STRETCH,
        "schedule": ScheduleKind.INTERVAL,
        "interval_minutes": schedule.DESK_BREAK_EVERY,
        "window_start": schedule.DESK_BREAK_FROM,
        "window_end": schedule.DESK_BREAK_UNTIL,
        "weekdays": schedule.MONDAY_TO_FRIDAY,
    },
}


@require_http_methods(["GET", "POST"])
@signed_in
@never_cache
def reminder_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        defaults = NEW_DEFAULTS.get(request.GET.get("kind", ""), NEW_DEFAULTS["hydration"])
        instance = Reminder(user=request.user, **defaults)
    else:
        instance = Reminder(user=request.user)
    return _save_reminder(request, instance, new=True)


@require_http_methods(["GET", "POST"])
@signed_in
@never_cache
def reminder_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _save_reminder(request, owned_reminder(request, pk), new=False)


@require_POST
@signed_in
def reminder_preview(request: HttpRequest) -> HttpResponse:
    """The form's next five times, for htmx to swap in as the fields change. Saves nothing."""
    profile = Profile.for_user(request.user)
    form = ReminderForm(request.POST, instance=Reminder(user=request.user))
    preview = preview_for(form, profile, timezone.now())
    return render(request, "reminders/form.html#preview", {"preview": preview})


@require_GET
@signed_in
@never_cache
def reminder_confirm_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Delete this reminder?": a page, or (htmx) the question inside the reminder's row."""
    reminder = owned_reminder(request, pk)
    template = "reminders/confirm_delete.html"
    if request.htmx:
        template += "#confirm"
    return render(request, template, {"reminder": reminder, "title": reminder_title(reminder)})


@require_POST
@signed_in
def reminder_delete(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = owned_reminder(request, pk)
    title = reminder_title(reminder)
    reminder.delete()
    return _main_or_list(request, Profile.for_user(request.user), f"Deleted “{title}”.")


def _row_response(
    request: HttpRequest, reminder: Reminder, profile: Profile, message: str
) -> HttpResponse:
    if request.htmx:
        now = timezone.now()
        row = make_row(reminder, schedule.zone_or_utc(profile.timezone), now)
        context = {"row": row, "row_note": message, "snooze_choices": SNOOZE_CHOICES}
        return render(request, "reminders/list.html#row", context)
    messages.success(request, message)
    return redirect("reminders")


@require_POST
@signed_in
def reminder_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn one reminder on or off. The form says which (`enabled` 1 or 0), so a repeated tap
    does not flip it back."""
    profile = Profile.for_user(request.user)
    with transaction.atomic():
        reminder = owned_reminder(request, pk, for_update=True)
        wanted = request.POST.get("enabled")
        reminder.enabled = not reminder.enabled if wanted is None else wanted == "1"
        reminder.snoozed_until = None
        save_with_next_fire(reminder, profile, timezone.now(), "enabled", "snoozed_until")
    title = reminder_title(reminder)
    return _row_response(
        request, reminder, profile, f"“{title}” is {'on' if reminder.enabled else 'off'}."
    )


@require_POST
@signed_in
def reminder_snooze(request: HttpRequest, pk: int) -> HttpResponse:
    """Snooze one reminder 15, 30 or 60 minutes, or until its first time tomorrow: it goes off
    then instead of at its next time. "off" ends a snooze."""
    profile = Profile.for_user(request.user)
    now = timezone.now()
    form = SnoozeForm(request.POST)
    with transaction.atomic():
        reminder = owned_reminder(request, pk, for_update=True)
        if not form.is_valid():
            return _bad_snooze(request, reminder, profile, form)
        if not reminder.enabled:
            form.add_error("snooze", "This reminder is off. Turn it on to snooze it.")
            return _bad_snooze(request, reminder, profile, form)
        choice = form.cleaned_data["snooze"]
        if choice == "off":
            reminder.snoozed_until = None
        else:
            minutes = None if choice == "tomorrow" else int(choice)
            reminder.snoozed_until = schedule.snooze_until(reminder, profile, now, minutes)
        save_with_next_fire(reminder, profile, now, "snoozed_until")
    zone = schedule.zone_or_utc(profile.timezone)
    title = reminder_title(reminder)
    if reminder.snoozed_until is None:
        message = f"“{title}” is back on its usual times."
    else:
        message = (
            f"Snoozed “{title}” until {in_sentence(local_when(reminder.snoozed_until, zone, now))}."
        )
    return _row_response(request, reminder, profile, message)


def _bad_snooze(
    request: HttpRequest, reminder: Reminder, profile: Profile, form: SnoozeForm
) -> HttpResponse:
    message = " ".join(str(error) for error in form.errors.get("snooze", []))
    if request.htmx:
        row = make_row(reminder, schedule.zone_or_utc(profile.timezone), timezone.now())
        context = {"row": row, "row_error": message, "snooze_choices": SNOOZE_CHOICES}
        return render(request, "reminders/list.html#row", context, status=400)
    messages.error(request, message)
    return redirect("reminders")


# Every reminder: suggestions, pause, resume, settings -------------------------------------


@require_POST
@signed_in
def reminders_suggested(request: HttpRequest) -> HttpResponse:
    """Add the suggested reminders, once: only for someone who has none."""
    profile = Profile.for_user(request.user)
    now = timezone.now()
    with transaction.atomic():
        Profile.objects.select_for_update().filter(pk=profile.pk).first()  # one at a time
        if Reminder.objects.filter(user=request.user).exists():
            message = "You already have reminders, so nothing was added."
        else:
            suggested = schedule.default_reminders(profile, now)
            Reminder.objects.bulk_create(suggested)
            on = sum(1 for reminder in suggested if reminder.enabled)
            message = (
                f"Added {len(suggested)} suggested reminders ({on} on). "
                "Change or remove any of them below."
            )
    return _main_or_list(request, profile, message)


@require_POST
@signed_in
def reminders_pause(request: HttpRequest) -> HttpResponse:
    profile = Profile.for_user(request.user)
    now = timezone.now()
    zone = schedule.zone_or_utc(profile.timezone)
    form = PauseForm(request.POST, today=now.astimezone(zone).date())
    if not form.is_valid():
        context = _list_context(request, profile, now, pause_form=form)
        template = "reminders/list.html#main" if request.htmx else "reminders/list.html"
        return render(request, template, context, status=400)
    profile.paused_until = form.cleaned_data["until"]
    profile.save(update_fields=["paused_until"])
    refresh_all(profile, now)
    until = local_date(profile.paused_until)
    return _main_or_list(request, profile, f"All reminders are paused until the end of {until}.")


@require_POST
@signed_in
def reminders_resume(request: HttpRequest) -> HttpResponse:
    profile = Profile.for_user(request.user)
    profile.paused_until = None
    profile.save(update_fields=["paused_until"])
    refresh_all(profile, timezone.now())
    return _main_or_list(request, profile, "Reminders are back on.")


@require_http_methods(["GET", "POST"])
@signed_in
@never_cache
def reminder_settings(request: HttpRequest) -> HttpResponse:
    """Time zone, quiet hours and bedtime. Saving moves every reminder's next time."""
    profile = Profile.for_user(request.user)
    status = 200
    if request.method == "POST":
        form = ProfileSettingsForm(request.POST, instance=profile)
        if form.is_valid():
            with transaction.atomic():
                form.save()
                refresh_all(profile, timezone.now())
            messages.success(
                request,
                f"Saved. Reminders follow {profile.timezone} time, quiet from "
                f"{profile.quiet_start:%H:%M} to {profile.quiet_end:%H:%M}.",
            )
            return redirect("reminders")
        status = 400
    else:
        form = ProfileSettingsForm(instance=profile)
    context = {"form": form, "zones": COMMON_ZONES}
    return render(request, "reminders/settings.html", context, status=status)


# The calendar feed ------------------------------------------------------------------------


@require_POST
@signed_in
def calendar_new_link(request: HttpRequest) -> HttpResponse:
    """A new secret feed address; the old one stops working at once."""
    profile = Profile.for_user(request.user)
    profile.calendar_token = new_calendar_token()
    profile.save(update_fields=["calendar_token"])
    message = "Made a new calendar link. The old one no longer works: add the new one."
    if request.htmx:
        context = _list_context(request, profile, timezone.now(), calendar_note=message)
        return render(request, "reminders/list.html#calendar", context)
    messages.success(request, message)
    return redirect(reverse("reminders") + "#calendar")


def _first_day(reminder: Reminder, profile: Profile, zone: ZoneInfo) -> dt.date:
    """Where a reminder's events start: the day it was made (or the day after a pause), moved
    to the first of its weekdays, so DTSTART is itself an occurrence of the rule."""
    created = reminder.created or timezone.now()
    day = created.astimezone(zone).date()
    if profile.paused_until is not None and profile.paused_until >= day:
        day = profile.paused_until + dt.timedelta(days=1)
    for _ in range(7):
        if reminder.weekdays & (1 << day.weekday()):
            break
        day += dt.timedelta(days=1)
    return day


def build_calendar(profile: Profile, reminders: Iterable[Reminder], site_url: str) -> Any:
    """The person's enabled reminders as an iCalendar.

    Each allowed local time of a reminder (its fixed times, or every step of its interval
    window, without those in quiet hours or, for water, the two hours before bedtime; see
    `Schedule.allowed_times`) is one event that
    repeats weekly on the reminder's weekdays (RRULE FREQ=WEEKLY;BYDAY=...), in the person's
    zone (TZID, with its VTIMEZONE), with a display alarm at its start. Phone calendars
    (Apple, Google, Outlook) handle weekly rules well; minutely rules are ignored or expanded
    badly by several of them, so interval schedules are spelt out as one event per time.
    """
    from icalendar import Alarm, Calendar, Event

    zone = schedule.zone_or_utc(profile.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//Unknot//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Unknot reminders")
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    first = None
    for reminder in reminders:
        if not reminder.enabled:
            continue
        times = schedule.Schedule.for_reminder(reminder, profile).allowed_times
        days = [ICS_DAYS[day] for day in schedule.weekdays_from_mask(reminder.weekdays)]
        if not times or not days:
            continue
        day = _first_day(reminder, profile, zone)
        first = day if first is None else min(first, day)
        title = reminder_title(reminder)
        url = site_url + (
            reminder.routine.get_absolute_url()
            if reminder.kind == ReminderKind.STRETCH and reminder.routine
            else HYDRATION_URL
        )
        for t in times:
            event = Event()
            event.add("uid", f"reminder-{reminder.pk}-{t:%H%M}@unknot")
            event.add("dtstamp", reminder.updated or timezone.now())
            event.add("summary", title)
            event.add("description", f"{schedule_words(reminder)}. Open Unknot: {url}")
            event.add("url", url)
            event.add("dtstart", dt.datetime.combine(day, t, tzinfo=zone))
            event.add("duration", EVENT_LENGTH)
            event.add("rrule", {"freq": "weekly", "byday": days})
            event.add("transp", "TRANSPARENT")
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", title)
            alarm.add("trigger", dt.timedelta(0))
            event.add_component(alarm)
            calendar.add_component(event)
    if first is not None:
        calendar.add_missing_timezones(first_date=first - dt.timedelta(days=366))
    return calendar


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: no sign-in, the token in the address is the key."""
    profile = Profile.objects.filter(calendar_token=token).first()
    if profile is None:
        raise Http404("No such calendar.")
    reminders = Reminder.objects.filter(user_id=profile.user_id, enabled=True).select_related(
        "routine"
    )
    site_url = request.build_absolute_uri("/").rstrip("/")
    calendar = build_calendar(profile, reminders, site_url)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="unknot-reminders.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


# The in-app banner ------------------------------------------------------------------------


def due_occurrences(request: HttpRequest, now: dt.datetime) -> list[Occurrence]:
    """This person's reminders that went off in the last 15 minutes and that they have not
    dismissed, newest first, one per reminder. One query: the occurrences of their reminders
    in a time range (the (reminder, scheduled_for) unique index)."""
    dismissed = request.session.get(DISMISSED, [])
    found = (
        Occurrence.objects.filter(
            reminder__user=request.user,
            reminder__enabled=True,
            scheduled_for__gt=now - BANNER_WINDOW,
            scheduled_for__lte=now,
        )
        .exclude(status=OccurrenceStatus.MISSED)
        .exclude(pk__in=dismissed)
        .select_related("reminder__routine")
        .order_by("-scheduled_for")[: BANNER_MAX * 4]
    )
    seen: set[int] = set()
    due = []
    for occurrence in found:
        if occurrence.reminder_id not in seen:
            seen.add(occurrence.reminder_id)
            due.append(occurrence)
    return due[:BANNER_MAX]


def _banner(
    request: HttpRequest, here: str, *, note: str = "", quiet_when_empty: bool = False
) -> HttpResponse:
    due = due_occurrences(request, timezone.now())
    if not due and not note and quiet_when_empty:
        return HttpResponse(status=204)
    items = [(occurrence, reminder_title(occurrence.reminder)) for occurrence in due]
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


def _dismiss(request: HttpRequest, occurrence: Occurrence) -> None:
    dismissed = [pk for pk in request.session.get(DISMISSED, []) if pk != occurrence.pk]
    request.session[DISMISSED] = [*dismissed, occurrence.pk][-MAX_DISMISSED:]


@require_POST
@signed_in
def due_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    occurrence = _owned_occurrence(request, pk)
    _dismiss(request, occurrence)
    if request.htmx:
        return _banner(request, safe_next_url(request))
    return redirect(safe_next_url(request) or "reminders")


@require_POST
@signed_in
def due_act(request: HttpRequest, pk: int) -> HttpResponse:
    """The banner's main button. Stretch: to the routine, ready to start. Hydration: one glass
    logged for this reminder (once, however often tapped), then the hydration page."""
    occurrence = _owned_occurrence(request, pk)
    _dismiss(request, occurrence)
    reminder = occurrence.reminder
    if reminder.kind == ReminderKind.STRETCH:
        routine = reminder.routine
        if routine is None:
            target = reverse("routine_list")
        elif routine.purpose == Purpose.RELIEF:  # relief always starts with the safety check
            target = reverse("safety_check", kwargs={"slug": routine.slug})
        else:
            target = routine.get_absolute_url()
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    _, created = HydrationLog.objects.get_or_create(
        occurrence=occurrence,
        defaults={"user_id": reminder.user_id, "at": timezone.now(), "glasses": 1},
    )
    note = "One glass logged." if created else "That glass was already logged."
    if request.htmx:
        return _banner(request, safe_next_url(request), note=note)
    messages.success(request, note)
    return redirect(HYDRATION_URL)
