"""Starting and following a routine: the safety check, runs, controls, the summary."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID, uuid4

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..forms import ControlForm, RatingForm
from ..models import Purpose, Routine, Run, SafetySign, Step, TriageLevel
from ..player import InvalidControl, apply, build_phases, remaining_ms, settle, start, summarise

#: Session key listing a guest's runs (kept through log-in, when they become the user's).
GUEST_RUNS = "guest_runs"
MAX_GUEST_RUNS = 20
#: An unfinished run older than this is not offered to resume.
RESUME_WITHIN = dt.timedelta(hours=6)


def _routine(request: HttpRequest, slug: str) -> Routine:
    routines = Routine.objects.all() if request.user.is_staff else Routine.objects.published()
    return get_object_or_404(routines, slug=slug)


def owned_run(request: HttpRequest, run_id: UUID, *, for_update: bool = False) -> Run:
    """The run if it is this person's (their user, or a guest's session); otherwise 404."""
    runs = Run.objects.select_for_update() if for_update else Run.objects.all()
    if request.user.is_authenticated:
        return get_object_or_404(runs, id=run_id, user=request.user)
    if str(run_id) not in request.session.get(GUEST_RUNS, []):
        raise Http404("No such run.")
    return get_object_or_404(runs, id=run_id, user=None)


@receiver(user_logged_in, dispatch_uid="claim-guest-runs")
def claim_guest_runs(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Runs started as a guest become the person's own when they log in or sign up."""
    if request is None or not hasattr(request, "session"):
        return
    ids = request.session.pop(GUEST_RUNS, [])
    if ids:
        Run.objects.filter(id__in=ids, user=None).update(user=user)


# Safety check -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def safety_check(request: HttpRequest, slug: str) -> HttpResponse:
    """One screen before a relief routine: "None of these" starts it; a red flag stops it."""
    routine = _routine(request, slug)
    levels = list(TriageLevel.objects.prefetch_related("signs"))
    context: dict[str, Any] = {
        "routine": routine,
        "stop_levels": [level for level in levels if level.stops_routine],
        "other_levels": [level for level in levels if not level.stops_routine],
    }
    if request.method == "GET":
        return render(request, "player/check.html", context)
    sign = SafetySign.objects.select_related("level").filter(key=request.POST.get("sign")).first()
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
    routine = _routine(request, slug)
    if routine.purpose == Purpose.RELIEF and request.POST.get("safety") != "clear":
        messages.info(request, "First, a quick safety check.")
        return redirect("safety_check", slug=routine.slug)
    steps = Step.objects.filter(routine=routine).select_related("image")
    phases = build_phases(steps, lead_in=request.POST.get("lead_in") == "1")
    now = timezone.now()
    try:
        state = start(phases, now)
    except InvalidControl as error:
        return render(
            request, "player/problem.html", {"message": str(error), "routine": routine}, status=400
        )
    run = Run(
        routine=routine,
        routine_title=routine.title,
        routine_slug=routine.slug,
        user=request.user if request.user.is_authenticated else None,
        phases=[phase.as_dict() for phase in phases],
        lead_in=request.POST.get("lead_in") == "1",
        started_at=now,
    )
    run.set_state(state)
    run.save()
    if not request.user.is_authenticated:
        request.session[GUEST_RUNS] = [*request.session.get(GUEST_RUNS, []), str(run.id)][
            -MAX_GUEST_RUNS:
        ]
    return _see_other(run)


def _see_other(run: Run) -> HttpResponse:
    """After a POST, the run's page (303: the browser follows with a GET)."""
    response = HttpResponse(status=303)
    response["Location"] = run.get_absolute_url()
    return response


def run_payload(run: Run, now: dt.datetime) -> dict[str, Any]:
    """The run's state at `now`, as the player script reads it."""
    phases = run.phase_list()
    state = settle(run.state, phases, now)
    return {
        "id": str(run.id),
        "phase": state.phase,
        "phase_count": len(phases),
        "remaining_ms": remaining_ms(state, phases, now),
        "paused": state.paused,
        "finished": state.finished,
        "ended_early": state.ended_early,
        "skipped": list(state.skipped),
    }


def _settled(run: Run, now: dt.datetime) -> Run:
    """Save what time alone changed (phases that ended, the run finishing)."""
    state = settle(run.state, run.phase_list(), now)
    if state != run.state:
        run.set_state(state)
        run.save(update_fields=[*STATE_FIELDS, "updated_at"])
    return run


STATE_FIELDS = (
    "phase",
    "phase_started_at",
    "paused_at",
    "paused_ms",
    "total_paused_ms",
    "finished_at",
    "ended_early",
    "skipped",
)


def _player_context(run: Run, now: dt.datetime, **extra: Any) -> dict[str, Any]:
    phases = run.phase_list()
    payload = run_payload(run, now)
    phase = phases[payload["phase"]]
    following = phases[payload["phase"] + 1] if payload["phase"] + 1 < len(phases) else None
    return {
        "run": run,
        "phases": phases,
        "phase": phase,
        "phase_number": payload["phase"] + 1,
        "following": following,
        "state": payload,
        "player_data": {
            "phases": run.phases,
            "state": payload,
            "urls": {
                "control": reverse("run_control", kwargs={"run_id": run.id}),
                "state": reverse("run_state", kwargs={"run_id": run.id}),
                "page": run.get_absolute_url(),
            },
        },
        "summary": summarise(run.state, phases, run.started_at, now),
        "controls": player_controls(phase.timed, payload["paused"]),
        "control_id": uuid4().hex,
        "rating_form": RatingForm(initial={"rating": run.rating}),
        **extra,
    }


def player_controls(timed: bool, paused: bool) -> list[tuple[str, str, bool]]:
    """The control buttons, in order, and whether each shows now (the script switches them).

    Without JavaScript the timer stands still, so the forward button reads "Next"; the player
    script renames it "Skip".
    """
    return [
        ("back", "Back", True),
        ("pause", "Pause", timed and not paused),
        ("resume", "Resume", timed and paused),
        ("done", "Done", not timed),
        ("next", "Next", True),
        ("end", "End", True),
    ]


@never_cache  # a live run: the browser's back/forward cache must not show an old state
@require_GET
def run_detail(request: HttpRequest, run_id: UUID) -> HttpResponse:
    now = timezone.now()
    run = _settled(owned_run(request, run_id), now)
    return render(request, "player/run.html", _player_context(run, now))


@never_cache
@require_GET
def run_state(request: HttpRequest, run_id: UUID) -> JsonResponse:
    now = timezone.now()
    run = _settled(owned_run(request, run_id), now)
    return JsonResponse(run_payload(run, now))


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
        if data["control_id"] and data["control_id"] in run.recent_controls:
            return _control_done(request, run, now, duplicate=True)
        phases = run.phase_list()
        if data["phase"] is not None and data["phase"] >= len(phases):
            return _control_error(
                request, run_id, "That step is not in this routine.", status=400, now=now, run=run
            )
        # A queued control applies when it happened, but never before the last control.
        floor = run.last_control_at or run.started_at
        at = max(floor, now - dt.timedelta(milliseconds=data["offset_ms"] or 0))
        try:
            new_state = apply(run.state, phases, data["action"], at, phase=data["phase"])
        except InvalidControl as error:
            return _control_error(request, run_id, str(error), status=409, now=now, run=run)
        run.set_state(new_state)
        run.last_control_at = at
        if data["control_id"]:
            run.remember_control(data["control_id"])
        run.save(update_fields=[*STATE_FIELDS, "last_control_at", "recent_controls", "updated_at"])
    return _control_done(request, run, now)


def _control_done(
    request: HttpRequest, run: Run, now: dt.datetime, *, duplicate: bool = False
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({**run_payload(run, now), "duplicate": duplicate})
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
        return JsonResponse({"error": message, **run_payload(run, now)}, status=status)
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


def recent_runs(request: HttpRequest, now: dt.datetime, limit: int = 5) -> dict[str, Any]:
    """A signed-in person's recent runs, and an unfinished one to offer to resume."""
    if not request.user.is_authenticated:
        return {}
    runs = list(Run.objects.filter(user=request.user)[:limit])
    resumable = None
    for run in runs:
        if run.finished_at is None and now - run.updated_at <= RESUME_WITHIN:
            run = _settled(run, now)
            if run.finished_at is None:
                resumable = run
            break
    return {"recent_runs": runs, "resumable_run": resumable}
