"""The player's requests run a fixed number of queries, however long the routine is.

Each test follows the same script of requests through a run of a 3-step routine and of a
40-step one (the first steps alike, so the script reaches the same states), counts the queries
of each request, and checks the two counts are equal and equal to the pinned number. The
numbers are exact rather than upper bounds: an extra query per request fails here too.

Tests run inside a transaction, so `transaction.atomic()` in the control view shows as a
SAVEPOINT and a RELEASE SAVEPOINT (in production: BEGIN, and a COMMIT that is not a query).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from routines.content.models import Purpose
from routines.player.models import Run

from .factories import BULK_STEPS, make_routine

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 1, 22, 0, tzinfo=dt.UTC)
JSON = {"HTTP_ACCEPT": "application/json"}
HTMX = {"HTTP_HX_REQUEST": "true"}

#: The first three steps of every routine here: 30 s, 10 reps, 30 s.
FIRST_STEPS: list[dict[str, Any]] = [
    {"duration_seconds": 30},
    {"reps": 10},
    {"duration_seconds": 30},
]

# What each request of the script runs, for a guest. A signed-in user adds one query to each
# (the user, after the session), except where noted.
#
#   start (a new guest, no session yet): the throttle's count (INSERT ... ON CONFLICT: the
#          first start in the hour; later ones also SAVEPOINT, SELECT FOR UPDATE, UPDATE,
#          RELEASE), routine, steps (+ images, one join), INSERT run, then creating the
#          session that lists the run: SELECT (is the key free?), SAVEPOINT, INSERT session,
#          RELEASE
#   page, state: session, run
#   page, state after a phase ran out by time: session, run, UPDATE run (the settled state)
#   control (pause, resume, skip, back, done, end): SAVEPOINT, session, run (FOR UPDATE on
#          PostgreSQL), UPDATE run, RELEASE
#   control repeated (same control_id): SAVEPOINT, session, run, RELEASE (nothing saved)
#   control that does not fit (409): SAVEPOINT, session, run, RELEASE (nothing saved)
#   malformed control (400): session, run (outside the transaction: nothing to save)
#   summary page (finished run): session, run, routine (its purpose, for the "Again" button)
#   rating (htmx): session, run, UPDATE run
GUEST = {
    "start": 8,
    "page": 2,
    "state": 2,
    "pause": 5,
    "pause repeated": 4,
    "pause again (409)": 4,
    "resume (plain form)": 5,
    "malformed (400)": 2,
    "skip": 5,
    "back": 5,
    "state after a phase ran out": 3,
    "page after a phase ran out": 3,
    "done": 5,
    "end": 5,
    "summary page": 3,
    "rating": 3,
}
#: A signed-in user's start reads their session and user, and saves no run list in the
#: session: session, user, the throttle's count, routine, steps, INSERT run, then moves their
#: diary's counters (one UPDATE of the profile: diary/signals.py), as the run ending and its
#: rating do. The controls on a run still going move nothing: no query more than a guest's.
SIGNED_IN = {name: count + 1 for name, count in GUEST.items()} | {
    "start": 7,
    "end": 7,
    "rating": 5,
}


def script(client: Client, steps: int, clock: Any) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Follow one run through every kind of request; the queries each one ran."""
    extra = [{"title": f"Extra {n}", **BULK_STEPS[n % len(BULK_STEPS)]} for n in range(steps - 3)]
    routine = make_routine(
        f"Routine of {steps}", purpose=Purpose.PREVENTION, steps=FIRST_STEPS + extra
    )
    counts: dict[str, int] = {}
    sql: dict[str, list[str]] = {}
    run_url = ""
    caches["throttle"].clear()  # each script's start is the first in the hour

    def measure(name: str, request: Callable[[], HttpResponse], status: int) -> HttpResponse:
        with CaptureQueriesContext(connection) as captured:
            response = request()
        assert response.status_code == status, (name, response.content[:300])
        counts[name] = len(captured)
        sql[name] = [q["sql"][:120] for q in captured.captured_queries]
        return response

    def post(action: str, control_id: str = "", **data: Any) -> Callable[[], HttpResponse]:
        fields = {"action": action, "control_id": control_id, **data}
        return lambda: client.post(run_url + "control/", fields, **JSON)

    response = measure("start", lambda: client.post(reverse("start_run", args=[routine.slug])), 303)
    run_url = response["Location"]
    assert len(Run.objects.get().phases) >= steps
    clock.shift(1)
    measure("page", lambda: client.get(run_url), 200)
    measure("state", lambda: client.get(run_url + "state/"), 200)
    clock.shift(2)
    measure("pause", post("pause", "c1"), 200)
    measure("pause repeated", post("pause", "c1"), 200)
    measure("pause again (409)", post("pause", "c2"), 409)
    clock.shift(5)
    measure(
        "resume (plain form)",
        lambda: client.post(run_url + "control/", {"action": "resume", "control_id": "c3"}),
        303,
    )
    measure("malformed (400)", post("jump"), 400)
    measure("skip", post("skip", "c4", phase=0), 200)
    measure("back", post("back", "c5"), 200)
    clock.shift(40)  # phase 0 ran out: on the reps phase
    measure("state after a phase ran out", lambda: client.get(run_url + "state/"), 200)
    assert Run.objects.get().phase == 1
    post("back", "c5b")()  # to the first phase again, to let it run out once more
    clock.shift(40)
    measure("page after a phase ran out", lambda: client.get(run_url), 200)
    assert Run.objects.get().phase == 1
    measure("done", post("done", "c6", phase=1), 200)
    measure("end", post("end", "c7"), 200)
    measure("summary page", lambda: client.get(run_url), 200)
    measure("rating", lambda: client.post(run_url + "rate/", {"rating": "4"}, **HTMX), 200)
    return counts, sql


@pytest.mark.parametrize("who", ["guest", "signed in"])
def test_player_requests_run_a_fixed_number_of_queries(clock: Any, who: str) -> None:
    results = []
    for steps in (3, 40):
        Run.objects.all().delete()
        client = Client()
        if who == "signed in":
            user, _ = get_user_model().objects.get_or_create(username="sam")
            client.force_login(user)
        results.append(script(client, steps, clock))
    (short, _), (long, long_sql) = results
    expected = GUEST if who == "guest" else SIGNED_IN
    assert short == long, f"queries grow with the routine: {short} vs {long}"
    assert long == expected, "\n".join(
        f"{name}: {long[name]} (expected {expected.get(name)}): {long_sql[name]}"
        for name in long
        if long[name] != expected.get(name)
    )


def test_home_for_a_signed_in_user_runs_a_fixed_number_of_queries_however_many_runs(
    clock: Any,
) -> None:
    """session, user with their profile (one query), their five latest runs, today's glasses
    (the page body comes from the page cache)."""
    user = get_user_model().objects.create_user("sam")
    client = Client()
    client.force_login(user)
    routine = make_routine("Bedtime", steps=[{"reps": 10}])  # never finishes by itself
    counts = []
    for runs in (1, 30):
        while Run.objects.count() < runs:
            client.post(reverse("start_run", args=[routine.slug]))
            clock.shift(60)
        client.get(reverse("home"))  # fills the page cache
        with CaptureQueriesContext(connection) as captured:
            html = client.get(reverse("home")).content.decode()
        assert "Resume Bedtime" in html
        counts.append(len(captured))
    assert counts == [4, 4], counts
