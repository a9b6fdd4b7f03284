"""The guided player's views: the safety check, starting a run, the run page, its state, the
controls, the rating, who may see a run, and what the home page offers to resume.

Time is frozen (time_machine, tick=False) and moved by hand, so remaining times are exact.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from routines.content.models import Purpose, Routine, SafetySign, Side, TriageLevel
from routines.player.machine import LEAD_IN_MS, PhaseKind
from routines.player.models import STATE_FIELDS, Run
from routines.player.sessions import GUEST_RUNS

from .factories import make_routine, make_sign, make_triage_level
from .helpers.html import NOT_FOUND, main_part, main_text, page_text, parse
from .helpers.people import PASSWORD, make_user, signed_in

pytestmark = pytest.mark.django_db

#: Time stands still here (the `clock` fixture) until a test moves it (`clock.shift(seconds)`).
T0 = dt.datetime(2025, 3, 1, 22, 0, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}
JSON = {"HTTP_ACCEPT": "application/json"}


# Content and people ------------------------------------------------------------------------------


@pytest.fixture
def relief() -> Routine:
    # Phases: 0 left 30 s, 1 right 30 s, 2 rest 10 s, 3 heel raises (12 reps), 4 rub 20 s.
    return make_routine(
        "Calf cramp relief",
        purpose=Purpose.RELIEF,
        situations=["cramp-now"],
        areas=["calf"],
        steps=[
            {
                "title": "Towel stretch",
                "duration_seconds": 30,
                "side": Side.EACH,
                "rest_after_seconds": 10,
            },
            {"title": "Heel raises", "reps": 12},
            {"title": "Rub the calf", "duration_seconds": 20},
        ],
    )


@pytest.fixture
def prevention() -> Routine:
    # Phases: 0 wall stretch 30 s, 1 heel raises (10 reps).
    return make_routine(
        "Bedtime stretch",
        purpose=Purpose.PREVENTION,
        situations=["bedtime"],
        steps=[
            {"title": "Wall stretch", "duration_seconds": 30},
            {"title": "Heel raises", "reps": 10},
        ],
    )


@pytest.fixture
def triage() -> dict[str, SafetySign]:
    emergency = make_triage_level(
        "Call an ambulance",
        slug="emergency",
        action="Phone for an ambulance now and do not stretch the leg.",
        stops_routine=True,
        order=1,
    )
    TriageLevel.objects.filter(pk=emergency.pk).update(call_numbers="999, 112")
    today = make_triage_level(
        "See a doctor today",
        slug="today",
        action="Leave the stretch for now and ask a doctor to look at the leg today.",
        stops_routine=True,
        order=2,
    )
    TriageLevel.objects.filter(pk=today.pk).update(call_numbers="111")
    soon = make_triage_level(
        "Mention it to a doctor",
        slug="soon",
        action="The routine is fine; book a routine appointment.",
        order=3,
    )
    return {
        "emergency": make_sign(emergency, "Chest pain or sudden breathlessness.", key="chest"),
        "today": make_sign(today, "One calf is swollen, warm and red.", key="swollen-calf"),
        "soon": make_sign(soon, "Cramps most nights for weeks.", key="most-nights"),
    }


@pytest.fixture
def member() -> AbstractBaseUser:
    return make_user("sam")


@pytest.fixture
def other() -> AbstractBaseUser:
    return make_user("alex")


# Helpers ------------------------------------------------------------------------------------


def check_url(routine: Routine) -> str:
    return reverse("safety_check", args=[routine.slug])


def start_url(routine: Routine) -> str:
    return reverse("start_run", args=[routine.slug])


def run_url(run: Run, name: str = "run_detail") -> str:
    return reverse(name, kwargs={"run_id": run.id})


def start(client: Client, routine: Routine, **data: str) -> Run:
    """Start `routine` as the client would (relief routines after a clear safety check)."""
    if routine.purpose == Purpose.RELIEF:
        data = {"safety": "clear", **data}
    response = client.post(start_url(routine), data)
    assert response.status_code == 303, response.content.decode()[:500]
    match = re.fullmatch(r"/runs/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return Run.objects.get(id=match.group(1))


def control(client: Client, run: Run, action: str, **data: Any) -> HttpResponse:
    return client.post(run_url(run, "run_control"), {"action": action, **data}, **JSON)


def snapshot(run: Run) -> dict[str, Any]:
    """Everything a control or a rating could change, as stored."""
    run = Run.objects.get(id=run.id)
    fields = [*STATE_FIELDS, "recent_controls", "rating", "updated_at", "user_id"]
    return {name: getattr(run, name) for name in fields}


def forms_by_action(html: str) -> dict[str, dict[str, Any]]:
    """The player's control forms: action -> {attrs, fields} (fields from hidden inputs)."""
    found = {}
    for match in re.finditer(r"<form\b([^>]*)>(.*?)</form>", html, flags=re.S):
        attrs = parse(f"<form{match.group(1)}>").forms[0]
        fields = {i.get("name"): i.get("value") for i in parse(match.group(2)).inputs}
        if "action" in fields and "control" in (attrs.get("class") or ""):
            found[fields["action"]] = {"attrs": attrs, "fields": fields}
    return found


def visible_controls(html: str) -> list[str]:
    return [a for a, form in forms_by_action(html).items() if "hidden" not in form["attrs"]]


def timer_text(html: str) -> str:
    match = re.search(r'<div[^>]*role="timer"[^>]*>([^<]*)</div>', html)
    assert match, "no timer on the page"
    return match.group(1).strip()


# The safety check ---------------------------------------------------------------------------


def test_check_lists_only_stop_level_signs_as_buttons(
    client: Client, relief: Routine, triage: dict[str, SafetySign]
) -> None:
    response = client.get(check_url(relief))
    assert response.status_code == 200
    html = main_part(response.content.decode())
    sign_forms = [
        m.group(0)
        for m in re.finditer(r"<form\b[^>]*>.*?</form>", html, flags=re.S)
        if 'name="sign"' in m.group(0)
    ]
    posted = {
        i.get("value") for form in sign_forms for i in parse(form).inputs if i.get("name") == "sign"
    }
    assert posted == {"chest", "swollen-calf"}
    for form in sign_forms:
        (attrs,) = parse(form).forms
        assert attrs["action"] == check_url(relief)
        assert attrs["method"] == "post"
        assert "csrfmiddlewaretoken" in {i.get("name") for i in parse(form).inputs}
        assert "<button" in form
    text = page_text(html)
    assert "Chest pain or sudden breathlessness." in text
    assert "Calf cramp relief" in text
    # The milder level is listed for reading, not as a button that stops anything.
    assert "Cramps most nights for weeks." in text


def test_check_offers_none_of_these_which_starts_the_routine(
    client: Client, relief: Routine, triage: dict[str, SafetySign]
) -> None:
    html = client.get(check_url(relief)).content.decode()
    (start_form,) = [f for f in parse(html).forms if f.get("action") == start_url(relief)]
    assert start_form["method"] == "post"
    fields = {i.get("name"): i.get("value") for i in parse(html).inputs}
    assert fields["safety"] == "clear"
    assert "None of these: start" in page_text(html)


@pytest.mark.parametrize(("sign", "numbers"), [("emergency", ["999", "112"]), ("today", ["111"])])
def test_a_stop_sign_shows_call_buttons_and_starts_nothing(
    client: Client,
    relief: Routine,
    triage: dict[str, SafetySign],
    sign: str,
    numbers: list[str],
) -> None:
    response = client.post(check_url(relief), {"sign": triage[sign].key})
    assert response.status_code == 200
    html = main_part(response.content.decode())
    text = page_text(html)
    assert triage[sign].level.title in text
    assert triage[sign].level.action in text
    assert triage[sign].text in text
    calls = [(href, label) for href, label in parse(html).links if href.startswith("tel:")]
    assert calls == [(f"tel:{n}", f"Call {n}") for n in numbers]
    assert "has not started" in text
    assert start_url(relief) not in [f.get("action") for f in parse(html).forms]
    assert not Run.objects.exists()


def test_a_mild_sign_shows_its_advice_and_still_offers_to_start(
    client: Client, relief: Routine, triage: dict[str, SafetySign]
) -> None:
    response = client.post(check_url(relief), {"sign": "most-nights"})
    assert response.status_code == 200
    html = main_part(response.content.decode())
    assert "The routine is fine; book a routine appointment." in page_text(html)
    assert not [href for href, _ in parse(html).links if href.startswith("tel:")]
    assert start_url(relief) in [f.get("action") for f in parse(html).forms]
    assert not Run.objects.exists()


@pytest.mark.parametrize("data", [{"sign": "no-such-sign"}, {"sign": ""}, {}])
def test_an_unknown_sign_is_a_bad_request_with_a_clear_message(
    client: Client, relief: Routine, triage: dict[str, SafetySign], data: dict[str, str]
) -> None:
    response = client.post(check_url(relief), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose one of the signs listed" in page_text(html)
    assert 'role="alert"' in html
    assert not Run.objects.exists()


def test_htmx_check_answer_is_only_the_outcome(
    client: Client, relief: Routine, triage: dict[str, SafetySign]
) -> None:
    response = client.post(check_url(relief), {"sign": "chest"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<div class="page outcome outcome-emergency" id="outcome">')
    assert "<html" not in html and "<main" not in html and "<footer" not in html
    assert "tel:999" in html
    assert not Run.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_check_for_an_unknown_routine_is_not_found(client: Client, method: str) -> None:
    url = reverse("safety_check", args=["no-such-routine"])
    response = getattr(client, method)(url, {"sign": "chest"})
    assert response.status_code == 404
    assert NOT_FOUND in main_text(response)
    assert not Run.objects.exists()


def test_check_for_an_unpublished_routine_is_not_found_for_guests_but_shown_to_staff(
    client: Client,
) -> None:
    draft = make_routine("Draft relief", purpose=Purpose.RELIEF, published=False)
    assert client.get(check_url(draft)).status_code == 404
    assert client.post(start_url(draft), {"safety": "clear"}).status_code == 404
    staff = get_user_model().objects.create_user("ed", password="pw", is_staff=True)
    assert signed_in(staff).get(check_url(draft)).status_code == 200


def test_check_refuses_other_methods(client: Client, relief: Routine) -> None:
    assert client.put(check_url(relief)).status_code == 405


# Starting -----------------------------------------------------------------------------------


def test_relief_start_without_a_clear_check_goes_to_the_check_and_creates_nothing(
    client: Client, relief: Routine, triage: dict[str, SafetySign]
) -> None:
    for data in ({}, {"safety": "skipped"}):
        response = client.post(start_url(relief), data)
        assert response.status_code == 302
        assert response["Location"] == check_url(relief)
    assert not Run.objects.exists()
    assert "First, a quick safety check." in page_text(
        client.get(check_url(relief)).content.decode()
    )


def test_relief_start_after_a_clear_check_creates_a_run_and_sees_other(
    client: Client, relief: Routine, clock: Any
) -> None:
    response = client.post(start_url(relief), {"safety": "clear"})
    assert response.status_code == 303
    run = Run.objects.get()
    assert response["Location"] == f"/runs/{run.id}/"
    assert (run.routine, run.routine_title, run.routine_slug) == (
        relief,
        "Calf cramp relief",
        relief.slug,
    )
    assert run.user is None
    assert run.started_at == run.phase_started_at == T0
    assert (run.phase, run.paused_at, run.finished_at, run.skipped) == (0, None, None, [])
    assert [(p["title"], p["side"], p["duration_ms"]) for p in run.phases] == [
        ("Towel stretch", "left", 30_000),
        ("Towel stretch", "right", 30_000),
        ("Rest", "none", 10_000),
        ("Heel raises", "none", None),
        ("Rub the calf", "none", 20_000),
    ]
    assert client.session[GUEST_RUNS] == [str(run.id)]


def test_prevention_routine_starts_directly(client: Client, prevention: Routine) -> None:
    response = client.post(start_url(prevention))
    assert response.status_code == 303
    run = Run.objects.get()
    assert response["Location"] == run.get_absolute_url()
    assert [p["title"] for p in run.phases] == ["Wall stretch", "Heel raises"]
    assert not run.lead_in


def test_lead_in_adds_the_five_second_get_ready_phase(
    client: Client, prevention: Routine, clock: Any
) -> None:
    run = start(client, prevention, lead_in="1")
    assert run.lead_in
    assert [(p["kind"], p["duration_ms"]) for p in run.phases][:2] == [
        (PhaseKind.READY, LEAD_IN_MS),
        (PhaseKind.WORK, 30_000),
    ]
    html = client.get(run.get_absolute_url()).content.decode()
    assert "Get ready" in page_text(main_part(html))
    assert timer_text(html) == "0:05"


def test_a_signed_in_start_belongs_to_the_user(
    member: AbstractBaseUser, prevention: Routine
) -> None:
    client = signed_in(member)
    run = start(client, prevention)
    assert run.user == member
    assert GUEST_RUNS not in client.session


def test_a_routine_without_steps_cannot_start(client: Client) -> None:
    empty = make_routine("Nothing yet", steps=[])
    response = client.post(start_url(empty))
    assert response.status_code == 400
    text = page_text(response.content.decode())
    assert "This routine has no steps yet." in text
    assert empty.get_absolute_url() in [href for href, _ in parse(response.content.decode()).links]
    assert not Run.objects.exists()


def test_start_refuses_get(client: Client, prevention: Routine) -> None:
    assert client.get(start_url(prevention)).status_code == 405
    assert not Run.objects.exists()


def test_start_of_an_unknown_routine_is_not_found(client: Client) -> None:
    response = client.post(reverse("start_run", args=["no-such-routine"]))
    assert response.status_code == 404
    assert NOT_FOUND in main_text(response)
    assert not Run.objects.exists()


def test_a_run_keeps_its_phases_when_staff_edit_the_routine(
    client: Client, prevention: Routine, clock: Any
) -> None:
    run = start(client, prevention)
    prevention.steps.filter(title="Wall stretch").update(duration_seconds=300, title="Renamed")
    html = client.get(run.get_absolute_url()).content.decode()
    assert timer_text(html) == "0:30"
    assert "Wall stretch" in page_text(main_part(html))


# The routine page's Start bar ---------------------------------------------------------------


def test_relief_routine_page_start_leads_to_the_safety_check(
    client: Client, relief: Routine
) -> None:
    html = client.get(relief.get_absolute_url()).content.decode()
    assert (check_url(relief), "Start") in parse(html).links
    assert start_url(relief) not in [f.get("action") for f in parse(html).forms]


def test_prevention_routine_page_start_is_a_form_with_this_visitors_csrf_token(
    prevention: Routine,
) -> None:
    client = Client(enforce_csrf_checks=True)
    html = client.get(prevention.get_absolute_url()).content.decode()
    (form,) = [f for f in parse(html).forms if f.get("action") == start_url(prevention)]
    assert form["method"] == "post"
    fields = {i.get("name"): i for i in parse(html).inputs}
    assert fields["lead_in"].get("value") == "1" and "checked" in fields["lead_in"]
    token = fields["csrfmiddlewaretoken"]["value"]
    response = client.post(start_url(prevention), {"csrfmiddlewaretoken": token, "lead_in": "1"})
    assert response.status_code == 303
    assert Run.objects.get().lead_in
    # A second guest gets a token of their own, not the first guest's page from the cache.
    other_html = Client().get(prevention.get_absolute_url()).content.decode()
    other_fields = {i.get("name"): i.get("value") for i in parse(other_html).inputs}
    assert other_fields["csrfmiddlewaretoken"] != token


# The run page -------------------------------------------------------------------------------


def test_run_page_shows_the_phase_timer_and_controls_as_forms(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    clock.shift(12.5)
    response = client.get(run.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    main = main_part(html)
    assert re.search(r"<h1[^>]*>Towel stretch</h1>", main)
    assert "Left leg" in page_text(main)
    assert "Step 1 of 3" in page_text(main)  # 3 steps: the first is left, then right
    assert timer_text(html) == "0:18"  # 17.5 s left, rounded up as a countdown shows it
    assert "Next: Towel stretch · 30 s" in page_text(main)
    forms = forms_by_action(main)
    assert list(forms) == ["back", "pause", "resume", "done", "next"]
    assert visible_controls(main) == ["back", "pause", "next"]
    labels = re.findall(r'<button[^>]*data-action="(\w+)"[^>]*>([^<]+)</button>', main)
    assert dict(labels) == {
        "back": "Back",
        "pause": "Pause",
        "resume": "Resume",
        "done": "Done",
        "next": "Next",
    }
    for form in forms.values():
        assert form["attrs"]["action"] == run_url(run, "run_control")
        assert form["attrs"]["method"] == "post"
        assert form["fields"]["csrfmiddlewaretoken"]
        assert form["fields"]["phase"] == "0"
        assert form["fields"]["control_id"]
    assert len({f["fields"]["control_id"] for f in forms.values()}) == 5
    data = json.loads(re.search(r'id="player-data"[^>]*>(.*?)</script>', html).group(1))
    assert data["state"]["remaining_ms"] == 17_500
    assert data["urls"] == {
        "control": run_url(run, "run_control"),
        "state": run_url(run, "run_state"),
        "page": run_url(run),
    }
    assert len(data["phases"]) == 5


def test_run_page_on_a_reps_phase_offers_done_instead_of_pause(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    clock.shift(70)  # 30 + 30 + 10: the heel raises
    html = client.get(run.get_absolute_url()).content.decode()
    assert timer_text(html) == "12 reps"
    assert "Switch sides" not in html
    assert visible_controls(main_part(html)) == ["back", "done", "next"]
    assert Run.objects.get(id=run.id).phase == 3  # what time alone changed is saved


def test_run_page_on_the_second_side_says_switch_sides(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    clock.shift(31)
    html = client.get(run.get_absolute_url()).content.decode()
    assert "Switch sides: right leg" in page_text(main_part(html))
    assert timer_text(html) == "0:29"


def test_run_page_while_paused_offers_resume(client: Client, relief: Routine, clock: Any) -> None:
    run = start(client, relief)
    clock.shift(10)
    control(client, run, "pause")
    clock.shift(600)
    html = client.get(run.get_absolute_url()).content.decode()
    assert timer_text(html) == "0:20"
    assert "Paused" in page_text(main_part(html))
    assert visible_controls(main_part(html)) == ["back", "resume", "next"]


def test_finished_run_page_shows_the_summary_and_the_rating_form(
    client: Client, prevention: Routine, clock: Any
) -> None:
    run = start(client, prevention)
    clock.shift(31)
    control(client, run, "done", phase=1)
    clock.shift(5)
    response = client.get(run.get_absolute_url())
    html = response.content.decode()
    text = page_text(main_part(html))
    assert "Well done" in text
    assert "Time 31 s" in text
    assert "Steps done 2 of 2" in text
    assert "Skipped 0" in text
    assert not forms_by_action(html)
    assert 'role="timer"' not in html
    (rating,) = [f for f in parse(html).forms if f.get("action") == run_url(run, "rate_run")]
    assert rating["method"] == "post"
    values = [i.get("value") for i in parse(html).inputs if i.get("name") == "rating"]
    assert values == ["1", "2", "3", "4", "5"]
    assert "js/player.js" not in html


def test_a_run_ended_early_says_so(client: Client, relief: Routine, clock: Any) -> None:
    run = start(client, relief)
    clock.shift(40)
    control(client, run, "end")
    text = main_text(client.get(run.get_absolute_url()))
    assert "Ended early" in text
    # 40 s in: the left side of the first step was done, the right side cut short at 10 s.
    assert "Steps done 0 of 3" in text
    assert "1. Towel stretch (left side done)" in text
    assert "Time 40 s" in text


# State --------------------------------------------------------------------------------------


def test_state_remaining_time_goes_down_as_time_passes(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    url = run_url(run, "run_state")
    first = client.get(url).json()
    assert first == {
        "id": str(run.id),
        "phase": 0,
        "phase_count": 5,
        "remaining_ms": 30_000,
        "paused": False,
        "finished": False,
        "ended_early": False,
        "skipped": [],
    }
    clock.shift(12.25)
    assert client.get(url).json()["remaining_ms"] == 17_750
    clock.shift(17.75)
    later = client.get(url).json()
    assert (later["phase"], later["remaining_ms"]) == (1, 30_000)
    clock.shift(45)
    assert client.get(url).json()["phase"] == 3
    assert client.get(url).json()["remaining_ms"] is None


def test_state_settles_and_saves_a_run_finished_by_time(client: Client, clock: Any) -> None:
    run = start(client, make_routine("Short", steps=[{"duration_seconds": 20}]))
    clock.shift(3600)
    state = client.get(run_url(run, "run_state")).json()
    assert (state["finished"], state["remaining_ms"], state["ended_early"]) == (True, 0, False)
    assert Run.objects.get(id=run.id).finished_at == T0 + dt.timedelta(seconds=20)


def test_state_refuses_post(client: Client, prevention: Routine) -> None:
    run = start(client, prevention)
    before = snapshot(run)
    assert client.post(run_url(run, "run_state")).status_code == 405
    assert snapshot(run) == before


# Controls -----------------------------------------------------------------------------------


def test_plain_control_sees_other_back_to_the_run(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    clock.shift(10)
    response = client.post(run_url(run, "run_control"), {"action": "pause", "phase": "0"})
    assert response.status_code == 303
    assert response["Location"] == run.get_absolute_url()
    assert Run.objects.get(id=run.id).paused_at == T0 + dt.timedelta(seconds=10)


def test_json_control_answers_with_the_new_state(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    clock.shift(10)
    response = control(client, run, "skip", phase=0, control_id="c-1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "id": str(run.id),
        "phase": 1,
        "phase_count": 5,
        "remaining_ms": 30_000,
        "paused": False,
        "finished": False,
        "ended_early": False,
        "skipped": [0],
        "duplicate": False,
    }
    stored = Run.objects.get(id=run.id)
    assert (stored.phase, stored.skipped, stored.recent_controls) == (1, [0], ["c-1"])


@pytest.mark.parametrize(
    ("action", "message"),
    [("resume", "The routine is not paused."), ("done", "This step is timed")],
)
def test_a_control_that_does_not_fit_is_a_conflict_and_changes_nothing(
    client: Client, relief: Routine, clock: Any, action: str, message: str
) -> None:
    run = start(client, relief)
    clock.shift(10)
    before = snapshot(run)
    response = control(client, run, action, phase=0, control_id="c-1")
    assert response.status_code == 409
    body = response.json()
    assert body["error"].startswith(message)
    assert (body["phase"], body["remaining_ms"], body["paused"]) == (0, 20_000, False)
    assert snapshot(run) == before


def test_a_plain_control_that_does_not_fit_shows_the_run_page_with_the_message(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    before = snapshot(run)
    response = client.post(run_url(run, "run_control"), {"action": "resume"})
    assert response.status_code == 409
    html = response.content.decode()
    assert re.search(r'role="alert"[^>]*>The routine is not paused\.<', html)
    assert visible_controls(main_part(html)) == ["back", "pause", "next"]
    assert snapshot(run) == before


def test_any_control_on_a_finished_run_is_a_conflict(
    client: Client, prevention: Routine, clock: Any
) -> None:
    run = start(client, prevention)
    control(client, run, "end")
    before = snapshot(run)
    for action in ("pause", "resume", "skip", "back", "done", "next", "end"):
        response = control(client, run, action)
        assert response.status_code == 409
        assert response.json()["error"] == "This routine has already finished."
    assert snapshot(run) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "jump"}, "“jump” is not a player control."),
        ({}, "This field is required."),
        ({"action": "skip", "phase": "-1"}, "greater than or equal to 0"),
        ({"action": "skip", "phase": "two"}, "Enter a whole number."),
        ({"action": "pause", "offset_ms": "-5"}, "A control cannot come from the future."),
        ({"action": "pause", "offset_ms": str(24 * 3600 * 1000 + 1)}, "more than a day old"),
        ({"action": "pause", "control_id": "x" * 65}, "at most 64 characters"),
    ],
)
def test_a_malformed_control_is_a_bad_request_and_changes_nothing(
    client: Client, relief: Routine, clock: Any, data: dict[str, str], message: str
) -> None:
    run = start(client, relief)
    clock.shift(5)
    before = snapshot(run)
    response = client.post(run_url(run, "run_control"), data, **JSON)
    assert response.status_code == 400
    body = response.json()
    assert message in body["error"]
    assert body["remaining_ms"] == 25_000
    assert snapshot(run) == before
    # The plain form shows the same message on the run page.
    plain = client.post(run_url(run, "run_control"), data)
    assert plain.status_code == 400
    assert message in page_text(plain.content.decode())
    assert snapshot(run) == before


def test_a_phase_past_the_last_is_a_bad_request(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    before = snapshot(run)
    response = control(client, run, "skip", phase=99)
    assert response.status_code == 400
    assert snapshot(run) == before


def test_the_same_control_id_twice_is_applied_once(
    client: Client, relief: Routine, clock: Any
) -> None:
    # No `phase`: only the control id can tell the second request is a repeat.
    run = start(client, relief)
    clock.shift(5)
    first = control(client, run, "skip", control_id="tap-1")
    assert first.json()["duplicate"] is False
    after_first = snapshot(run)
    clock.shift(1)
    second = control(client, run, "skip", control_id="tap-1")
    assert second.status_code == 200
    body = second.json()
    assert body["duplicate"] is True
    assert (body["phase"], body["skipped"], body["remaining_ms"]) == (1, [0], 29_000)
    assert snapshot(run) == after_first
    # A new id is a new control.
    assert control(client, run, "skip", control_id="tap-2").json()["phase"] == 2


def test_a_pause_and_resume_with_the_same_id_prefix_are_different_controls(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    assert control(client, run, "pause", control_id="abc-pause").json()["paused"] is True
    assert control(client, run, "resume", control_id="abc-resume").json()["paused"] is False


@pytest.mark.parametrize("drop", [(), ("phase",)], ids=["as-rendered", "without-phase"])
def test_a_plain_next_submitted_twice_moves_one_phase(
    client: Client, relief: Routine, clock: Any, drop: tuple[str, ...]
) -> None:
    run = start(client, relief)
    clock.shift(3)
    html = client.get(run.get_absolute_url()).content.decode()
    fields = forms_by_action(html)["next"]["fields"]
    fields = {k: v for k, v in fields.items() if k not in drop}
    url = run_url(run, "run_control")
    assert client.post(url, fields).status_code == 303
    clock.shift(0.4)
    assert client.post(url, fields).status_code == 303  # a double tap, or a resubmitted form
    stored = Run.objects.get(id=run.id)
    assert (stored.phase, stored.skipped) == (1, [0])
    assert stored.phase_started_at == T0 + dt.timedelta(seconds=3)


def test_an_offline_control_applies_at_the_time_it_happened(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    clock.shift(20)
    # Paused 5 s ago while the connection was down; sent now.
    body = control(client, run, "pause", phase=0, offset_ms=5_000).json()
    assert body["remaining_ms"] == 15_000
    assert Run.objects.get(id=run.id).paused_at == T0 + dt.timedelta(seconds=15)


def test_an_offline_control_never_lands_before_the_last_change(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    clock.shift(20)
    control(client, run, "skip", phase=0)  # phase 1 from 20 s
    clock.shift(2)
    body = control(client, run, "pause", phase=1, offset_ms=60_000).json()
    stored = Run.objects.get(id=run.id)
    assert stored.paused_at == stored.phase_started_at == T0 + dt.timedelta(seconds=20)
    assert (body["phase"], body["remaining_ms"]) == (1, 30_000)


def test_an_offline_control_lands_after_a_pause_it_follows(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    clock.shift(10)
    control(client, run, "pause")
    clock.shift(30)
    control(client, run, "skip", offset_ms=60_000)  # lands at the pause, 10 s
    stored = Run.objects.get(id=run.id)
    assert (stored.phase, stored.phase_started_at) == (1, T0 + dt.timedelta(seconds=10))
    assert stored.paused_at == T0 + dt.timedelta(seconds=10)


def test_an_offline_control_never_lands_before_a_resume(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    clock.shift(10)
    control(client, run, "pause")
    clock.shift(40)
    control(client, run, "resume")  # at 50 s, 20 s left
    clock.shift(2)
    body = control(client, run, "pause", offset_ms=30_000).json()  # would be 22 s
    stored = Run.objects.get(id=run.id)
    assert stored.paused_at >= T0 + dt.timedelta(seconds=50)
    assert 18_000 <= body["remaining_ms"] <= 20_000


def test_a_control_naming_the_next_phase_just_before_the_boundary_catches_up(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    clock.shift(29)  # the phone already shows the right side (phase 1)
    body = control(client, run, "pause", phase=1).json()
    assert (body["phase"], body["paused"], body["remaining_ms"]) == (1, True, 30_000)


def test_a_skip_for_a_phase_already_over_changes_nothing(
    client: Client, relief: Routine, clock: Any
) -> None:
    run = start(client, relief)
    clock.shift(31)
    body = control(client, run, "skip", phase=0).json()
    assert (body["phase"], body["skipped"], body["remaining_ms"]) == (1, [], 29_000)


def test_control_refuses_get(client: Client, relief: Routine) -> None:
    run = start(client, relief)
    before = snapshot(run)
    assert client.get(run_url(run, "run_control")).status_code == 405
    assert snapshot(run) == before


# Rating -------------------------------------------------------------------------------------


@pytest.fixture
def finished_run(client: Client, prevention: Routine, clock: Any) -> Run:
    run = start(client, prevention)
    control(client, run, "end")
    Run.objects.filter(id=run.id).update(rating=3)
    return run


def test_htmx_rating_answers_with_the_rating_form_saying_saved(
    client: Client, finished_run: Run
) -> None:
    response = client.post(run_url(finished_run, "rate_run"), {"rating": "4"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<form id="rating"')
    assert html.endswith("</form>")
    assert "Saved. Thank you." in html
    assert re.search(r'value="4" checked', html)
    assert Run.objects.get(id=finished_run.id).rating == 4


def test_plain_rating_sees_other_with_a_message(client: Client, finished_run: Run) -> None:
    response = client.post(run_url(finished_run, "rate_run"), {"rating": "5"})
    assert response.status_code == 303
    assert response["Location"] == finished_run.get_absolute_url()
    assert Run.objects.get(id=finished_run.id).rating == 5
    html = client.get(response["Location"]).content.decode()
    assert "Thanks: your rating is saved." in page_text(html)
    assert 'value="5" checked' in html


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("data", [{"rating": "0"}, {"rating": "6"}, {"rating": "x"}, {}])
def test_a_bad_rating_is_refused_and_keeps_the_old_one(
    client: Client, finished_run: Run, data: dict[str, str], htmx: bool
) -> None:
    before = snapshot(finished_run)
    response = client.post(run_url(finished_run, "rate_run"), data, **(HTMX if htmx else {}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose how much it helped, from 1 to 5." in page_text(html)
    assert "Saved" not in html
    assert snapshot(finished_run) == before
    assert Run.objects.get(id=finished_run.id).rating == 3


def test_rating_refuses_get(client: Client, finished_run: Run) -> None:
    before = snapshot(finished_run)
    assert client.get(run_url(finished_run, "rate_run"), {"rating": "1"}).status_code == 405
    assert snapshot(finished_run) == before
    assert before["rating"] == 3  # the 1 asked for in the query string is not saved


# Whose run ----------------------------------------------------------------------------------


def every_run_request(client: Client, run: Run) -> list[HttpResponse]:
    return [
        client.get(run_url(run)),
        client.get(run_url(run, "run_state")),
        client.post(run_url(run, "run_control"), {"action": "end"}),
        client.post(run_url(run, "run_control"), {"action": "end"}, **JSON),
        client.post(run_url(run, "run_control"), {"action": "jump"}),  # 404 before 400
        client.post(run_url(run, "rate_run"), {"rating": "1"}),
        client.post(run_url(run, "rate_run"), {"rating": "1"}, **HTMX),
    ]


def test_another_users_run_is_not_found_on_every_url(
    member: AbstractBaseUser, other: AbstractBaseUser, prevention: Routine
) -> None:
    run = start(signed_in(member), prevention)
    before = snapshot(run)
    assert [r.status_code for r in every_run_request(signed_in(other), run)] == [404] * 7
    assert snapshot(run) == before


def test_a_guests_run_is_not_found_from_another_session(prevention: Routine) -> None:
    run = start(Client(), prevention)
    before = snapshot(run)
    assert [r.status_code for r in every_run_request(Client(), run)] == [404] * 7
    assert snapshot(run) == before


def test_a_users_run_is_not_found_for_a_guest(
    member: AbstractBaseUser, prevention: Routine
) -> None:
    run = start(signed_in(member), prevention)
    before = snapshot(run)
    guest = Client()
    # Even a guest whose session lists the run's id.
    session = guest.session
    session[GUEST_RUNS] = [str(run.id)]
    session.save()
    assert [r.status_code for r in every_run_request(guest, run)] == [404] * 7
    assert snapshot(run) == before


def test_a_guests_run_is_not_found_for_a_signed_in_user(
    member: AbstractBaseUser, prevention: Routine
) -> None:
    run = start(Client(), prevention)
    before = snapshot(run)
    responses = every_run_request(signed_in(member), run)
    assert [r.status_code for r in responses] == [404] * 7
    assert snapshot(run) == before
    assert not any(prevention.title in r.content.decode() for r in responses)


def test_an_unknown_run_is_not_found(client: Client) -> None:
    run = Run(id=uuid.uuid4())
    responses = every_run_request(client, run)
    assert [r.status_code for r in responses] == [404] * 7
    assert NOT_FOUND in main_text(responses[0])
    assert not Run.objects.exists()


def test_a_users_run_is_theirs_on_any_of_their_devices(
    member: AbstractBaseUser, relief: Routine, clock: Any
) -> None:
    phone = signed_in(member)
    run = start(phone, relief)
    laptop = signed_in(member)
    assert laptop.get(run_url(run)).status_code == 200
    clock.shift(5)
    assert control(laptop, run, "pause").json()["paused"] is True
    assert phone.get(run_url(run, "run_state")).json()["paused"] is True


def test_guest_runs_become_the_users_on_log_in(
    client: Client, member: AbstractBaseUser, prevention: Routine, relief: Routine
) -> None:
    first = start(client, prevention)
    second = start(client, relief)
    someone_elses = start(Client(), prevention)
    response = client.post(reverse("login"), {"username": "sam", "password": PASSWORD})
    assert response.status_code == 302
    assert {r.id for r in Run.objects.filter(user=member)} == {first.id, second.id}
    assert Run.objects.get(id=someone_elses.id).user is None
    assert GUEST_RUNS not in client.session
    assert client.get(run_url(first)).status_code == 200
    assert signed_in(member).get(run_url(second)).status_code == 200


def test_guest_runs_become_the_new_users_on_sign_up(client: Client, prevention: Routine) -> None:
    run = start(client, prevention)
    response = client.post(
        reverse("signup"),
        {
            "username": "newcomer",
            "email": "",
            "password1": "a-Very-long-passphrase-42",
            "password2": "a-Very-long-passphrase-42",
        },
    )
    assert response.status_code == 302
    assert Run.objects.get(id=run.id).user.get_username() == "newcomer"


# The home page ------------------------------------------------------------------------------


def resume_links(html: str) -> list[tuple[str, str]]:
    return [(h, t) for h, t in parse(main_part(html)).links if t.startswith("Resume")]


def test_home_lists_a_users_recent_runs_and_offers_to_resume_the_unfinished_one(
    member: AbstractBaseUser, relief: Routine, prevention: Routine, clock: Any
) -> None:
    client = signed_in(member)
    done = start(client, prevention)
    control(client, done, "end")
    client.post(run_url(done, "rate_run"), {"rating": "4"})
    clock.shift(60)
    current = start(client, relief)
    clock.shift(70)  # on the heel raises: unfinished
    html = client.get(reverse("home")).content.decode()
    assert resume_links(html) == [(run_url(current), "Resume Calf cramp relief")]
    text = page_text(main_part(html))
    assert "Your recent routines" in text
    assert text.index("Calf cramp relief") < text.index("Bedtime stretch")
    assert "not finished" in text
    assert "ended early · no steps done · helped 4/5" in text


def test_home_offers_no_resume_for_a_finished_run(
    member: AbstractBaseUser, prevention: Routine, clock: Any
) -> None:
    client = signed_in(member)
    run = start(client, prevention)
    clock.shift(40)
    control(client, run, "done", phase=1)
    html = client.get(reverse("home")).content.decode()
    assert resume_links(html) == []
    assert run_url(run) in [h for h, _ in parse(html).links]


def test_a_run_that_finished_by_time_alone_is_settled_and_not_offered(
    member: AbstractBaseUser, clock: Any
) -> None:
    client = signed_in(member)
    run = start(client, make_routine("Quick stretch", steps=[{"duration_seconds": 20}]))
    clock.shift(300)
    html = client.get(reverse("home")).content.decode()
    assert resume_links(html) == []
    assert Run.objects.get(id=run.id).finished_at == T0 + dt.timedelta(seconds=20)
    assert "Quick stretch" in page_text(main_part(html))
    assert "finished" in page_text(main_part(html))
    assert "not finished" not in page_text(main_part(html))


@pytest.mark.parametrize(
    ("hours", "offered"), [(5.99, True), (6, True), (6.01, False), (48, False)]
)
def test_an_unfinished_run_is_offered_for_six_hours(
    member: AbstractBaseUser, prevention: Routine, clock: Any, hours: float, offered: bool
) -> None:
    client = signed_in(member)
    run = start(client, prevention)
    clock.shift(5)
    control(client, run, "pause")  # a paused run never finishes by itself
    clock.shift(dt.timedelta(hours=hours))
    html = client.get(reverse("home")).content.decode()
    assert bool(resume_links(html)) is offered
    assert run_url(run) in [h for h, _ in parse(html).links]  # still listed


def test_home_shows_no_runs_to_a_guest_or_to_another_user(
    member: AbstractBaseUser, other: AbstractBaseUser, prevention: Routine
) -> None:
    guest = Client()
    start(guest, prevention)
    start(signed_in(member), prevention)
    for client in (guest, signed_in(other)):
        html = client.get(reverse("home")).content.decode()
        assert "Your recent routines" not in html
        assert resume_links(html) == []


# CSRF ---------------------------------------------------------------------------------------


def csrf_client_with_run(routine: Routine) -> tuple[Client, Run, str]:
    """A browser-like client that enforces CSRF, with a run started the way a browser does."""
    client = Client(enforce_csrf_checks=True)
    html = client.get(routine.get_absolute_url()).content.decode()
    token = {i.get("name"): i.get("value") for i in parse(html).inputs}["csrfmiddlewaretoken"]
    response = client.post(start_url(routine), {"csrfmiddlewaretoken": token})
    assert response.status_code == 303
    run = Run.objects.get()
    page = client.get(response["Location"]).content.decode()
    header = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page)
    assert header, "the run page's body has no hx-headers with the token"
    return client, run, header.group(1)


def test_a_control_without_the_csrf_token_is_refused(prevention: Routine, clock: Any) -> None:
    client, run, _ = csrf_client_with_run(prevention)
    before = snapshot(run)
    response = client.post(run_url(run, "run_control"), {"action": "pause"}, **JSON)
    assert response.status_code == 403
    assert snapshot(run) == before
    rating = client.post(run_url(run, "rate_run"), {"rating": "2"})
    assert rating.status_code == 403


def test_a_control_with_the_csrf_header_passes(prevention: Routine, clock: Any) -> None:
    client, run, token = csrf_client_with_run(prevention)
    response = client.post(
        run_url(run, "run_control"), {"action": "pause"}, HTTP_X_CSRFTOKEN=token, **JSON
    )
    assert response.status_code == 200
    assert Run.objects.get(id=run.id).paused_at == T0


def test_runs_and_controls_leave_the_page_cache_alone(
    client: Client, prevention: Routine, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A run is not content: saving one must not empty every cached page."""
    from routines.content.caching import content_version

    version = content_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = start(client, prevention)
        control(client, run, "pause")
        control(client, run, "end")
        client.post(run_url(run, "rate_run"), {"rating": "5"})
    assert callbacks == []
    assert content_version() == version
    # Guards the test: a content edit in the same way does start a new version.
    with django_capture_on_commit_callbacks(execute=True):
        prevention.save()
    assert content_version() != version
