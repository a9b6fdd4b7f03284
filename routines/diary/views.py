"""The cramp diary: log a cramp (three taps from home, or the full form), the list, edit and
delete. Guests can use it on their device; their entries move to the account on sign-up."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from routines.accounts.http import signed_in
from routines.accounts.models import Profile
from routines.accounts.throttle import Limit, guest, over_limit
from routines.diary.forms import CrampForm
from routines.diary.freshness import (
    CACHE,
    SECONDS,
    keep_made,
    made_before,
    page_key,
)
from routines.diary.insights import (
    WEEKS,
    bedtime_reminder_on,
    helpful_routines,
    history_runs,
    history_totals,
    insight_rows,
    insights_from,
    stretching_weeks,
)
from routines.diary.models import CrampEntry, Muscle, Side
from routines.diary.moments import rows_of_sql, rows_with_moments
from routines.diary.rows import (
    ENTRY_COLUMNS,
    ENTRY_MOMENTS,
    ENTRY_UUIDS,
    entry_items,
    entry_page_sql,
    kept_key,
)
from routines.diary.services import DiaryFull
from routines.diary.sessions import (
    GuestDiaryFull,
    entries_for,
    forget,
    owned_entry,
    person_zone,
    save_new,
)
from routines.diary.summary import (
    RangeForm,
    csv_rows,
    default_range,
    reminders_in_use,
    routines_tried,
    summary_for,
)
from routines.player.sessions import owned_run

#: Entries per page of the diary list.
PAGE_SIZE = 50
MOMENTS_AND_UUIDS = (ENTRY_MOMENTS, ENTRY_UUIDS)

GUEST_LOGS = Limit(
    group="diary-guest-ip",
    rate="GUEST_CRAMPS_PER_IP_PER_HOUR",
    key="ip",
    message=(
        "Many cramps have been logged from your network in the last hour. Try again in {wait}, "
        "or log in: signed-in diaries have more room."
    ),
    applies=guest,
    sign_in_link=True,
)


def _run_from(request: HttpRequest, value: str) -> Any:
    """The person's own run named in the form or query (404 for anyone else's), or None."""
    if not value:
        return None
    try:
        run_id = UUID(value)
    except ValueError:
        return None
    return owned_run(request, run_id)


def _form_page(
    request: HttpRequest,
    form: CrampForm,
    *,
    entry: CrampEntry | None = None,
    run: Any = None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "entry": entry, "run": run, "zone": person_zone(request)}
    template = "diary/form.html#form" if request.htmx else "diary/form.html"
    return render(request, template, context, status=status)


@require_GET
@never_cache
def diary_list(request: HttpRequest) -> HttpResponse:
    """The person's entries, newest first, a page at a time (kept rendered: freshness.py)."""
    zone = person_zone(request)
    number = request.GET.get("page")

    signed = request.user.is_authenticated

    def listing() -> dict[str, Any]:
        entries = entries_for(request)
        paginator = Paginator(entries.values_list("pk", flat=True), PAGE_SIZE)
        page = paginator.get_page(number)
        advice = lambda: render_to_string("diary/seen_today.html", request=request)  # noqa: E731
        # Each entry's item is kept on its own too (rows.py): after a write, only the items
        # whose entries changed are made again.
        kept, key = None, ""
        if signed:
            kept, key = caches[CACHE], kept_key("list", request.user.pk, number, zone.key)
        # The page's rows read by their ids: the entries skipped to reach a far page are read
        # from the list's index alone, not joined with their runs; and in one pass
        # (moments.py), not converted value by value.
        if signed:
            asked = (request.user.pk, PAGE_SIZE, (page.number - 1) * PAGE_SIZE)
            rows = rows_of_sql(entry_page_sql(connection.vendor), asked, *MOMENTS_AND_UUIDS)
        else:
            listed = entries.filter(pk__in=page.object_list).values_list(*ENTRY_COLUMNS)
            rows = rows_with_moments(listed, *MOMENTS_AND_UUIDS)
        items = entry_items(rows, zone, advice, kept, key)
        return {"page": page, "entries": mark_safe("\n    ".join(items))}

    key = None
    if signed:  # a guest's few entries are listed afresh
        key = page_key(request.user, Profile.for_user(request.user), "list", number)
    context = {
        "listing": SimpleLazyObject(listing),
        "key": key,
        "seconds": SECONDS,
        "guest": not signed,
    }
    return render(request, "diary/list.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
def log_cramp(request: HttpRequest) -> HttpResponse:
    """GET: the form (muscle, side and run may come pre-filled in the query). POST: save it;
    from the home page's quick log only muscle, side and intensity arrive."""
    now = timezone.now()
    zone = person_zone(request)
    if request.method == "GET":
        run = _run_from(request, request.GET.get("run", ""))
        initial = {
            name: request.GET[name]
            for name, values in (("muscle", Muscle.values), ("side", Side.values))
            if request.GET.get(name) in values
        }
        form = CrampForm(initial=initial, now=now, zone=zone)
        return _form_page(request, form, run=run)

    refused = over_limit(request, GUEST_LOGS)
    if refused is not None:
        return refused
    run = _run_from(request, request.POST.get("run", ""))
    quick = request.POST.get("from") == "home"
    form = CrampForm(request.POST, now=now, zone=zone)
    if not form.is_valid():
        if quick and request.htmx:
            return render(request, "diary/quick_log.html#card", {"form": form}, status=400)
        return _form_page(request, form, run=run, status=400)
    entry = form.save(commit=False)
    entry.run = run
    try:
        entry = save_new(request, entry)
    except (DiaryFull, GuestDiaryFull) as full:
        form.add_error(None, str(full))
        if quick and request.htmx:
            return render(request, "diary/quick_log.html#card", {"form": form}, status=409)
        return _form_page(request, form, run=run, status=409)
    if quick and request.htmx:
        return render(request, "diary/quick_log.html#logged", {"entry": entry, "zone": zone})
    messages.success(request, _logged_words(entry, zone))
    return redirect("diary")


def _logged_words(entry: CrampEntry, zone: ZoneInfo) -> str:
    when = entry.started_at.astimezone(zone)
    return (
        f"Logged: {entry.get_muscle_display().lower()}, {entry.get_side_display().lower()}, "
        f"{entry.intensity} out of 10, at {when:%H:%M}."
    )


@require_http_methods(["GET", "POST"])
@never_cache
def edit_cramp(request: HttpRequest, pk: int) -> HttpResponse:
    entry = owned_entry(request, pk)
    now = timezone.now()
    zone = person_zone(request)
    if request.method == "GET":
        return _form_page(request, CrampForm(instance=entry, now=now, zone=zone), entry=entry)
    form = CrampForm(request.POST, instance=entry, now=now, zone=zone)
    if not form.is_valid():
        # The entry as stored, not as the rejected form would have left it.
        entry.refresh_from_db()
        return _form_page(request, form, entry=entry, status=400)
    form.save()
    messages.success(request, "Saved your changes.")
    return redirect("diary")


@require_http_methods(["GET", "POST"])
@never_cache
def delete_cramp(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: ask first. POST: delete it."""
    entry = owned_entry(request, pk)
    if request.method == "GET":
        return render(request, "diary/delete.html", {"entry": entry, "zone": person_zone(request)})
    entry.delete()
    if not request.user.is_authenticated:
        forget(request.session, pk)
    messages.success(request, "Deleted that cramp from your diary.")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("diary")
        return response
    return redirect("diary")


@require_GET
@signed_in
@never_cache
def insights(request: HttpRequest) -> HttpResponse:
    """Charts and advice from the diary, and the routines rated most helpful: each part kept
    rendered under a key of what it shows (freshness.py). The charts and advice go by the
    entries, the weeks of nightly stretching (the finished runs' times: kept apart, so an entry
    written does not read the runs again) and the local date, until the clock reaches a moment
    when the advice may change; the rated routines by the runs alone."""
    profile = Profile.for_user(request.user)
    now = timezone.now()
    user = request.user
    today = profile.today(now)
    reminder = bedtime_reminder_on(user)
    kept = caches[CACHE]
    key = page_key(
        user,
        profile,
        "insights",
        today,
        reminder,
        tables=("entries", "finished"),
    )
    found = kept.get(key)
    if found is not None and now < found[1]:
        content = found[0]
    else:
        nightly_key = page_key(user, profile, "nightly", today, tables=("finished",))
        nightly = kept.get(nightly_key)
        if nightly is None:
            nightly = stretching_weeks(user, profile, now)
            kept.set(nightly_key, nightly, SECONDS)
        rows = tuple(insight_rows(user, profile, now, nightly))
        # Made again only if the cramps it shows changed: a write to what it does not show
        # (an intensity, notes) moves the version but leaves these rows as they were.
        made_key = page_key(user, profile, "insights-made", today, reminder, nightly, tables=())
        made = made_before(made_key, rows, now)
        if made is None:
            data, moment = insights_from(
                list(rows), profile, now, reminder=reminder, nightly=nightly
            )
            context = {"insights": data, "weeks": WEEKS}
            content = render_to_string("diary/insights.html#content", context, request)
            until = now + dt.timedelta(seconds=SECONDS)
            made = (content, min(until, moment.until or until))
            keep_made(made_key, rows, made, made[1])
        content = made[0]
        kept.set(key, made, SECONDS)
    context = {
        "content": content,
        "helpful": SimpleLazyObject(lambda: helpful_routines(user)),
        "helpful_key": page_key(user, profile, "helpful", tables=("runs",)),
        "seconds": SECONDS,
    }
    return render(request, "diary/insights.html", context)


@require_GET
@signed_in
@never_cache
def history(request: HttpRequest) -> HttpResponse:
    """Finished routines, the streak and minutes per week, each part kept rendered under a
    key of what it shows (freshness.py): a rating makes the list of routines again, not the
    streak and the chart, which only the finished runs' times (and the date) move."""
    profile = Profile.for_user(request.user)
    now = timezone.now()
    user = request.user
    context = {
        "totals": SimpleLazyObject(lambda: history_totals(user, profile, now)),
        "runs": SimpleLazyObject(lambda: history_runs(user, profile, caches[CACHE])),
        "weeks": WEEKS,
        "totals_key": page_key(user, profile, "history", profile.today(now), tables=("finished",)),
        "runs_key": page_key(user, profile, "history-runs", tables=("runs",)),
        "seconds": SECONDS,
    }
    return render(request, "diary/history.html", context)


@require_GET
@signed_in
@never_cache
def doctor_summary(request: HttpRequest) -> HttpResponse:
    """The printable one-page summary; the range comes from the query (last 12 weeks if not).
    Kept rendered for the range asked (freshness.py)."""
    profile = Profile.for_user(request.user)
    today = profile.today(timezone.now())
    start, end = default_range(today)
    status = 200
    asked = (request.GET.get("start"), request.GET.get("end"))
    if "start" in request.GET or "end" in request.GET:
        form = RangeForm(request.GET, today=today)
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        else:
            status = 400
    else:
        form = RangeForm(initial={"start": start, "end": end}, today=today)
    user = request.user
    key = page_key(user, profile, "summary", today, asked, tables=("entries",))
    kept = caches[CACHE]
    cramps = kept.get(key)
    if cramps is None:
        summary = summary_for(user, profile, start, end)
        # Made again only if what it says changed: an entry edited may leave every number
        # of the summary as it was.
        made_key = page_key(user, profile, "summary-made", today, asked, tables=())
        now = timezone.now()
        cramps = made_before(made_key, summary, now)
        if cramps is None:
            sheet = {"summary": summary, "person": user, "today": today}
            cramps = render_to_string("diary/summary.html#cramps", sheet, request)
            keep_made(made_key, summary, cramps, now + dt.timedelta(seconds=SECONDS))
        kept.set(key, cramps, SECONDS)
    context = {
        "cramps": cramps,
        "routines": SimpleLazyObject(lambda: routines_tried(user, profile, start, end)),
        "reminders": reminders_in_use(user),
        "form": form,
        "routines_key": page_key(user, profile, "summary-routines", start, end, tables=("runs",)),
        "form_key": repr((today, asked, request.META.get("SCRIPT_NAME", ""))),
        "seconds": SECONDS,
    }
    return render(request, "diary/summary.html", context, status=status)


@require_GET
@signed_in
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    profile = Profile.for_user(request.user)
    today = profile.today(timezone.now())
    response = StreamingHttpResponse(
        csv_rows(request.user, profile), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="unknot-cramp-diary-{today}.csv"'
    response["Cache-Control"] = "no-store"
    return response
