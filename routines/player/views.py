"""Starting and following a routine: the safety check, runs, controls, the summary."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import push_url

from routines.accounts.throttle import (
    Limit,
    Link,
    guest,
    minutes_words,
    over_limit,
    signed_in_user,
    too_many,
)
from routines.content.models import Purpose, Routine, SafetySign, TriageLevel
from routines.player.forms import ControlForm, OfflineRunForm, RatingForm
from routines.player.machine import (
    DONE_PERCENT,
    InvalidControl,
    UnknownPhase,
    progress_words,
)
from routines.player.models import Run
from routines.player.sessions import (
    guest_start_wait,
    owned_run,
    remember_guest_run,
    remember_voice,
    voice_chosen,
)

GUEST_STARTS_FROM_ADDRESS = Limit(
    "guest_start",
    "GUEST_RUNS_PER_IP_PER_HOUR",
    "ip",
    "Too many routines started from this network in the last hour. Log in, or try again in {wait}.",
    applies=guest,
    sign_in_link=True,
)
ACCOUNT_STARTS = Limit(
    "account_start",
    "RUNS_PER_ACCOUNT_PER_HOUR",
    "user",
    "You have started a great many routines in the last hour. Try again in {wait}.",
    applies=signed_in_user,
)


def _routine(request: HttpRequest, slug: str) -> Routine:
    return get_object_or_404(Routine.objects.visible_to(request.user), slug=slug)


# Safety check -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def safety_check(request: HttpRequest, slug: str) -> HttpResponse:
    """One screen before a relief routine: "None of these" starts it; a red flag stops it.

    A sign's outcome is the answer to the check's form (POST), and also a page of its own,
    `?sign=<key>` (GET): nothing is changed either way, and the service worker saves those
    pages, so a red flag's advice shows with no connection too."""
    routine = _routine(request, slug)
    levels = list(TriageLevel.objects.prefetch_related("signs"))
    context: dict[str, Any] = {
        "routine": routine,
        "stop_levels": [level for level in levels if level.stops_routine],
        "other_levels": [level for level in levels if not level.stops_routine],
    }
    data = request.POST if request.method == "POST" else request.GET
    if request.method == "GET" and "sign" not in data:
        return render(request, "player/check.html", context)
    key = data.get("sign", "")
    # No form here: a NUL (which PostgreSQL refuses in a query) is simply not one of the signs.
    signs = SafetySign.objects.select_related("level")
    sign = None if "\x00" in key else signs.filter(key=key).first()
    if sign is None:
        context["error"] = "Choose one of the signs listed, or “None of these”."
        return render(request, "player/check.html", context, status=400)
    context["sign"] = sign
    template = "player/check_outcome.html"
    if request.htmx:
        template += "#outcome"
    return render(request, template, context)


# Runs -------------------------------------------------------------------------------------


@require_POST
def start_run(request: HttpRequest, slug: str) -> HttpResponse:
    """Start a routine and go to its run. The Start forms are htmx-boosted: htmx follows the
    redirect and swaps the player into the same page (which keeps the tap's permission to
    play sound), and pushes the run's address; a plain POST gets the same redirect."""
    routine = _routine(request, slug)
    if "voice_asked" in request.POST:  # a Start screen that offers the voice (not "Again")
        remember_voice(request.session, request.POST.get("voice") == "1")
    if routine.purpose == Purpose.RELIEF and request.POST.get("safety") != "clear":
        messages.info(request, "First, a quick safety check.")
        return redirect("safety_check", slug=routine.slug)
    user = request.user if request.user.is_authenticated else None
    refused = _refuse_start(request, routine, is_guest=user is None)
    if refused is not None:
        return _stay_here(request, refused)
    try:
        run = Run.begin(
            routine, user=user, lead_in=request.POST.get("lead_in") == "1", now=timezone.now()
        )
    except InvalidControl as error:
        problem = render(
            request, "player/problem.html", {"message": str(error), "routine": routine}, status=400
        )
        return _stay_here(request, problem)
    if user is None:
        remember_guest_run(request.session, run)
    return _see_other(run)


def _stay_here(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A refused start shown by htmx keeps the Start screen's address (the start URL only
    takes a POST, so a reload there would fail)."""
    return push_url(response, False) if request.htmx else response


@require_POST
def upload_offline_run(request: HttpRequest) -> HttpResponse:
    """A run the phone started and followed offline (static/js/player/offline.js), sent once
    it is back online. The phone's id for it makes a repeat count once: the same answer,
    nothing saved twice. Counted against the same start limits as any run."""
    form = OfflineRunForm(_posted_data(request))
    if not form.is_valid():
        message = " ".join(e for errors in form.errors.values() for e in errors)
        return _offline_error(request, message)
    client_id = form.cleaned_data["client_id"]
    earlier = Run.objects.filter(client_id=client_id).first()
    if earlier is not None:
        return _offline_done(request, owned_run(request, earlier.id), duplicate=True)
    routine = _routine(request, form.cleaned_data["routine"])
    user = request.user if request.user.is_authenticated else None
    refused = _refuse_start(request, routine, is_guest=user is None, json=_wants_json(request))
    if refused is not None:
        return refused
    now = timezone.now()
    started_at, controls = form.timeline(now)
    try:
        with transaction.atomic():
            run = Run.record_offline(
                routine,
                user=user,
                client_id=client_id,
                lead_in=form.cleaned_data["lead_in"],
                started_at=started_at,
                controls=controls,
                now=now,
            )
    except InvalidControl as error:
        return _offline_error(request, str(error))
    except IntegrityError:  # the same run, sent twice at once: the other request saved it
        earlier = get_object_or_404(Run, client_id=client_id)
        return _offline_done(request, owned_run(request, earlier.id), duplicate=True)
    if user is None:
        remember_guest_run(request.session, run)
    return _offline_done(request, run, duplicate=False)


def _posted_data(request: HttpRequest) -> Any:
    """The form's fields, from a form body or a JSON object."""
    if request.content_type != "application/json":
        return request.POST
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _offline_done(request: HttpRequest, run: Run, *, duplicate: bool) -> HttpResponse:
    url = run.get_absolute_url()
    if _wants_json(request):
        return JsonResponse(
            {"id": str(run.id), "url": url, "duplicate": duplicate},
            status=200 if duplicate else 201,
        )
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return _see_other(run)


def _offline_error(request: HttpRequest, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": message}, status=400)
    return render(
        request,
        "player/problem.html",
        {"heading": "This run could not be saved", "message": message, "routine": None},
        status=400,
    )


def _refuse_start(
    request: HttpRequest, routine: Routine, *, is_guest: bool, json: bool = False
) -> HttpResponse | None:
    """The 429 answer if this browser, network or account has started too many routines in
    the last hour; None if it may start one. The answer still leads to the routine itself
    (a shared network's guests, most of all, may be refused for others' starts)."""
    meanwhile = without_a_run(routine)
    if is_guest:
        wait = guest_start_wait(request.session, timezone.now())
        if wait is not None:
            message = (
                f"You have started {settings.GUEST_RUNS_PER_SESSION_PER_HOUR} routines in the "
                f"last hour in this browser. Log in, or try again in {minutes_words(wait)}."
            )
            return too_many(
                request, message, wait, json=json, meanwhile=meanwhile, sign_in_link=True
            )
    return over_limit(
        request, GUEST_STARTS_FROM_ADDRESS, ACCOUNT_STARTS, json=json, meanwhile=meanwhile
    )


def without_a_run(routine: Routine) -> list[Link]:
    """What a refused start still offers: the routine's page, whose steps can be read and
    followed without the player; for a relief routine, when to get help as well."""
    links = [
        Link(
            routine.get_absolute_url(),
            f"Read the steps of “{routine.title}” and follow them on your own",
        )
    ]
    if routine.purpose == Purpose.RELIEF:
        links.append(Link(reverse("get_help"), "When a cramp needs a doctor: the warning signs"))
    return links


def _see_other(run: Run) -> HttpResponse:
    """After a POST, the run's page (303: the browser follows with a GET)."""
    response = HttpResponse(status=303)
    response["Location"] = run.get_absolute_url()
    return response


def _player_context(
    run: Run, now: dt.datetime, *, voice: bool = False, **extra: Any
) -> dict[str, Any]:
    phases = run.phase_list()
    payload = run.payload(now)
    phase = phases[payload["phase"]]
    following = phases[payload["phase"] + 1] if payload["phase"] + 1 < len(phases) else None
    progress = [progress_words(phases, index) for index in range(len(phases))]
    summary = run.summary(now)
    return {
        "run": run,
        "phases": phases,
        "phase": phase,
        "phase_number": payload["phase"] + 1,
        "progress": progress[payload["phase"]],
        "following": following,
        "state": payload,
        "player_data": {
            "phases": run.phases,
            "progress": progress,
            "state": payload,
            "title": run.routine_title,
            "voice": voice,
            "urls": {
                "control": reverse("run_control", kwargs={"run_id": run.id}),
                "state": reverse("run_state", kwargs={"run_id": run.id}),
                "page": run.get_absolute_url(),
            },
        },
        "summary": summary,
        "summary_groups": [
            ("Done", summary.done),
            ("Skipped", summary.skipped),
            ("Not done", summary.not_done),
        ],
        "done_percent": DONE_PERCENT,
        "controls": player_controls(phase.timed, payload["paused"]),
        "control_id": uuid4().hex,
        "rating_form": RatingForm(initial={"rating": run.rating}),
        **extra,
    }


def player_controls(timed: bool, paused: bool) -> list[tuple[str, str, bool]]:
    """The control buttons, in order, and whether each shows now (the script switches them).

    Without JavaScript the timer stands still, so the forward button reads "Next"; the player
    script renames it "Skip". End is not among them: it sits apart, at the top, and asks first
    (`end_run`).
    """
    return [
        ("back", "Back", True),
        ("pause", "Pause", timed and not paused),
        ("resume", "Resume", timed and paused),
        ("done", "Done", not timed),
        ("next", "Next", True),
    ]


@never_cache  # a live run: the browser's back/forward cache must not show an old state
@require_GET
def run_detail(request: HttpRequest, run_id: UUID) -> HttpResponse:
    now = timezone.now()
    run = owned_run(request, run_id)
    run.settle(now)
    context = _player_context(run, now, voice=voice_chosen(request.session))
    return render(request, "player/run.html", context)


@never_cache
@require_GET
def end_run(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """ "End this routine?": the confirmation End opens (in the player, a dialog with the same
    partial; this page without JavaScript). Ending itself is a POST to `run_control`."""
    now = timezone.now()
    run = owned_run(request, run_id)
    run.settle(now)
    if run.finished_at is not None:
        return redirect(run)
    context = _player_context(run, now)
    template = "player/end.html#confirm" if request.htmx else "player/end.html"
    return render(request, template, context)


@never_cache
@require_GET
def run_state(request: HttpRequest, run_id: UUID) -> JsonResponse:
    now = timezone.now()
    run = owned_run(request, run_id)
    run.settle(now)
    return JsonResponse(run.payload(now))


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
def run_control(request: HttpRequest, run_id: UUID) -> HttpResponse:
    """Pause, Resume, Skip, Back, Done, Next or End, sent by the player script or a plain form.

    The script sends `offset_ms` for a control it had to queue while offline (how long ago it
    happened); `control_id` makes a repeated control count once.
    """
    form = ControlForm(request.POST)
    now = timezone.now()
    if not form.is_valid():
        message = " ".join(e for errors in form.errors.values() for e in errors)
        return _control_error(request, run_id, message, status=400, now=now)
    data = form.cleaned_data
    with transaction.atomic():
        run = owned_run(request, run_id, for_update=True)
        try:
            applied = run.apply_control(
                data["action"],
                now,
                phase=data["phase"],
                offset_ms=data["offset_ms"] or 0,
                control_id=data["control_id"],
            )
        except InvalidControl as error:
            status = 400 if isinstance(error, UnknownPhase) else 409
            return _control_error(request, run_id, str(error), status=status, now=now, run=run)
    return _control_done(request, run, now, duplicate=not applied)


def _control_done(
    request: HttpRequest, run: Run, now: dt.datetime, *, duplicate: bool = False
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({**run.payload(now), "duplicate": duplicate})
    return _see_other(run)


def _control_error(
    request: HttpRequest,
    run_id: UUID,
    message: str,
    *,
    status: int,
    now: dt.datetime,
    run: Run | None = None,
) -> HttpResponse:
    run = run or owned_run(request, run_id)
    if _wants_json(request):
        return JsonResponse({"error": message, **run.payload(now)}, status=status)
    return render(
        request, "player/run.html", _player_context(run, now, error=message), status=status
    )


@require_POST
def rate_run(request: HttpRequest, run_id: UUID) -> HttpResponse:
    run = owned_run(request, run_id)
    form = RatingForm(request.POST)
    now = timezone.now()
    status = 200
    if form.is_valid():
        run.rating = form.cleaned_data["rating"]
        run.save(update_fields=["rating", "updated_at"])
        if not request.htmx:
            messages.success(request, "Thanks: your rating is saved.")
            return _see_other(run)
    else:
        status = 400
    context = _player_context(run, now, rating_form=form, rated=form.is_valid())
    template = "player/run.html#rating" if request.htmx else "player/run.html"
    return render(request, template, context, status=status)
