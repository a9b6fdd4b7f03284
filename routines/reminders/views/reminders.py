"""Reminders for signed-in people: the list, the reminder form with its live preview, snooze,
pause, settings and the calendar link.

Every mutation is a POST, answers 404 for someone else's reminder, and works with and without
htmx: an htmx request gets the changed part of the page, a plain one a redirect and a message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from routines.accounts.http import signed_in
from routines.accounts.models import Profile
from routines.reminders.forms import (
    COMMON_ZONES,
    SNOOZE_CHOICES,
    PauseForm,
    ProfileSettingsForm,
    ReminderForm,
    SnoozeForm,
)
from routines.reminders.models import Reminder
from routines.reminders.schedule import upcoming
from routines.reminders.services import (
    TooManyReminders,
    add_reminder,
    lock_reminders,
    save_profile,
)
from routines.reminders.suggested import default_reminders, new_reminder
from routines.reminders.words import RowUrls, in_sentence, local_date, local_when, make_row

#: How many fire times the form previews.
PREVIEW_COUNT = 5


# Ownership --------------------------------------------------------------------------------


def owned_reminder(request: HttpRequest, pk: int, *, for_update: bool = False) -> Reminder:
    """The reminder if it is this person's; otherwise 404."""
    reminders = Reminder.objects.select_related("routine")
    if for_update:
        # Lock the reminder row only: PostgreSQL cannot lock the nullable side of the join.
        reminders = reminders.select_for_update(of=("self",))
    return get_object_or_404(reminders, pk=pk, user=request.user)


# The list page ----------------------------------------------------------------------------


def feed_url(request: HttpRequest, profile: Profile) -> str:
    return request.build_absolute_uri(reverse("calendar_feed", args=[profile.calendar_token]))


def _list_context(
    request: HttpRequest, profile: Profile, now: dt.datetime, **extra: Any
) -> dict[str, Any]:
    zone = profile.zone
    reminders = Reminder.objects.filter(user=request.user).for_list()
    today = profile.today(now)
    paused = profile.paused_until is not None and profile.paused_until >= today
    url = feed_url(request, profile)
    urls = RowUrls.for_page()
    return {
        "profile": profile,
        "rows": [make_row(reminder, zone, now, urls) for reminder in reminders],
        "paused": paused,
        "paused_until": local_date(profile.paused_until) if paused else "",
        "pause_form": extra.pop("pause_form", None) or PauseForm(today=today),
        "snooze_choices": SNOOZE_CHOICES,
        # What only a single row's response has: here, found at once by every row.
        "row_note": "",
        "row_error": "",
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
        "devices_url": reverse("push_devices"),
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
    if not form.is_valid():
        errors = tuple(
            str(error) for field_errors in form.errors.values() for error in field_errors
        )
        return Preview([], profile.zone.key, "Fix what is marked to see the times.", errors)
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
    zone = profile.zone
    times = upcoming(reminder.schedule_for(profile), zone, now, PREVIEW_COUNT)
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
    if new:
        try:
            add_reminder(saved, profile, now)
        except TooManyReminders as error:
            form.add_error(None, str(error))
            return _form_page(request, form, reminder, profile, status=400)
    else:
        saved.reschedule(profile, now)
    row = make_row(saved, profile.zone, now)
    if not saved.enabled:
        when = "It is off."
    elif saved.next_fire_at is None:
        when = "It has no time outside your quiet hours, so it will not go off."
    else:
        when = f"Next: {in_sentence(row.next_time)}."
    messages.success(request, f"Saved “{row.title}”. {when}")
    return redirect("reminders")


@require_http_methods(["GET", "POST"])
@signed_in
@never_cache
def reminder_create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        # Pre-filled from the query (the diary's insights offer the bedtime stretches so).
        instance = new_reminder(
            request.user,
            request.GET.get("kind", ""),
            routine=request.GET.get("routine", ""),
            at=request.GET.get("at", ""),
        )
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
    return render(request, template, {"reminder": reminder, "title": reminder.title})


@require_POST
@signed_in
def reminder_delete(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = owned_reminder(request, pk)
    title = reminder.title
    reminder.delete()
    return _main_or_list(request, Profile.for_user(request.user), f"Deleted “{title}”.")


def _row_response(
    request: HttpRequest, reminder: Reminder, profile: Profile, message: str
) -> HttpResponse:
    if request.htmx:
        now = timezone.now()
        row = make_row(reminder, profile.zone, now)
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
        on = not reminder.enabled if wanted is None else wanted == "1"
        reminder.switch(profile, timezone.now(), on=on)
    message = f"“{reminder.title}” is {'on' if reminder.enabled else 'off'}."
    return _row_response(request, reminder, profile, message)


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
            reminder.unsnooze(profile, now)
        else:
            reminder.snooze(profile, now, None if choice == "tomorrow" else int(choice))
    zone = profile.zone
    title = reminder.title
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
        row = make_row(reminder, profile.zone, timezone.now())
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
        if lock_reminders(profile):  # one request at a time
            message = "You already have reminders, so nothing was added."
        else:
            suggested = default_reminders(profile, now)[: settings.REMINDERS_MAX_PER_ACCOUNT]
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
    form = PauseForm(request.POST, today=profile.today(now))
    if not form.is_valid():
        context = _list_context(request, profile, now, pause_form=form)
        template = "reminders/list.html#main" if request.htmx else "reminders/list.html"
        return render(request, template, context, status=400)
    profile.paused_until = form.cleaned_data["until"]
    save_profile(profile, now, ["paused_until"])
    until = local_date(profile.paused_until)
    return _main_or_list(request, profile, f"All reminders are paused until the end of {until}.")


@require_POST
@signed_in
def reminders_resume(request: HttpRequest) -> HttpResponse:
    profile = Profile.for_user(request.user)
    profile.paused_until = None
    save_profile(profile, timezone.now(), ["paused_until"])
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
            save_profile(form.save(commit=False), timezone.now())
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


# The calendar link ------------------------------------------------------------------------


@require_POST
@signed_in
def calendar_new_link(request: HttpRequest) -> HttpResponse:
    """A new secret feed address; the old one stops working at once."""
    profile = Profile.for_user(request.user)
    profile.new_calendar_link()
    message = "Made a new calendar link. The old one no longer works: add the new one."
    if request.htmx:
        context = _list_context(request, profile, timezone.now(), calendar_note=message)
        return render(request, "reminders/list.html#calendar", context)
    messages.success(request, message)
    return redirect(reverse("reminders") + "#calendar")
