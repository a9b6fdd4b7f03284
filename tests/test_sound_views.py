"""The Start screens that keep the tap's permission to play sound: boosted Start forms (htmx
brings the player into the same page), the voice choice as a plain form field the session
keeps, and a refused start that leaves the address alone. The browser side is in
tests/test_sound_browser.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from routines.content.models import Purpose, Routine
from routines.player.models import Run
from routines.player.sessions import VOICE

from .factories import make_routine
from .helpers.html import NOT_FOUND, main_text, parse
from .helpers.people import make_user, signed_in

pytestmark = pytest.mark.django_db

BOOSTED = {"HTTP_HX_REQUEST": "true", "HTTP_HX_BOOSTED": "true"}
RUN_URL = re.compile(r"/runs/[0-9a-f-]{36}/")


@pytest.fixture
def prevention() -> Routine:
    return make_routine("Bedtime stretch", steps=[{"title": "Wall stretch"}])


@pytest.fixture
def relief() -> Routine:
    return make_routine("Calf relief", purpose=Purpose.RELIEF, steps=[{"title": "Towel"}])


def start_url(routine: Routine) -> str:
    return reverse("start_run", args=[routine.slug])


def start_forms(html: str, routine: Routine) -> list[dict[str, Any]]:
    return [f for f in parse(html).forms if f.get("action") == start_url(routine)]


def voice_box(html: str) -> dict[str, Any]:
    (box,) = [i for i in parse(html).inputs if i.get("name") == "voice"]
    return box


def player_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="player-data" type="application/json">(.*?)</script>', html)
    assert match, "no player data on the page"
    return dict(json.loads(match.group(1)))


# The Start screens ---------------------------------------------------------------------------


def test_every_start_screen_has_a_boosted_start_form_with_the_voice_field(
    client: Client, prevention: Routine, relief: Routine
) -> None:
    pages = {
        prevention: client.get(prevention.get_absolute_url()),
        relief: client.get(reverse("safety_check", args=[relief.slug])),
    }
    for routine, response in pages.items():
        html = response.content.decode()
        (form,) = start_forms(html, routine)
        assert form["method"] == "post"  # without JavaScript, a plain POST
        assert form.get("hx-boost") == "true" and "data-start" in form
        assert voice_box(html).get("type") == "checkbox"
        assert "checked" not in voice_box(html)
        assert "js/start" in html  # the module that lets sound on inside the tap


def test_the_voice_field_is_kept_for_the_session_and_reaches_the_player(
    client: Client, prevention: Routine, relief: Routine
) -> None:
    response = client.post(start_url(prevention), {"voice_asked": "1", "voice": "1"})
    assert response.status_code == 303 and RUN_URL.fullmatch(response["Location"])
    assert client.session[VOICE] is True
    run_page = client.get(response["Location"]).content.decode()
    assert player_data(run_page)["voice"] is True
    assert player_data(run_page)["title"] == "Bedtime stretch"
    # The next Start screen, another routine's, shows it chosen.
    check = client.get(reverse("safety_check", args=[relief.slug])).content.decode()
    assert "checked" in voice_box(check)

    # Unticked on a screen that asks: off again.
    client.post(start_url(relief), {"safety": "clear", "voice_asked": "1"})
    assert client.session[VOICE] is False
    assert "checked" not in voice_box(client.get(prevention.get_absolute_url()).content.decode())


def test_a_start_form_that_does_not_ask_about_the_voice_keeps_the_choice(
    client: Client, prevention: Routine
) -> None:
    client.post(start_url(prevention), {"voice_asked": "1", "voice": "1"})
    again = client.post(start_url(prevention))  # the summary's "Again"
    assert again.status_code == 303
    assert client.session[VOICE] is True
    assert player_data(client.get(again["Location"]).content.decode())["voice"] is True


def test_a_new_browser_has_no_voice_until_it_chooses(client: Client, prevention: Routine) -> None:
    response = client.post(start_url(prevention))
    assert VOICE not in client.session
    assert player_data(client.get(response["Location"]).content.decode())["voice"] is False


# Boosted (htmx) and plain starts -------------------------------------------------------------


def test_a_boosted_start_sees_other_to_the_run_and_gets_the_whole_player_page(
    client: Client, prevention: Routine
) -> None:
    response = client.post(start_url(prevention), {"voice_asked": "1"}, **BOOSTED)
    # htmx follows the redirect itself and pushes the run's address.
    assert response.status_code == 303
    run = Run.objects.get()
    assert response["Location"] == run.get_absolute_url()
    assert "HX-Push-Url" not in response
    page = client.get(response["Location"], **BOOSTED).content.decode()
    assert page.startswith("<!doctype html>")  # htmx takes the <body> and the title
    assert 'id="player"' in page and "js/player" in page


def test_a_refused_boosted_start_keeps_the_start_screens_address_and_creates_nothing(
    client: Client,
) -> None:
    empty = make_routine("Nothing yet", steps=[])
    boosted = client.post(start_url(empty), **BOOSTED)
    plain = client.post(start_url(empty))
    for response in (boosted, plain):
        assert response.status_code == 400
        assert "This routine has no steps yet." in main_text(response)
    assert boosted["HX-Push-Url"] == "false"  # a reload must not land on a POST-only URL
    assert "HX-Push-Url" not in plain
    assert not Run.objects.exists()


@override_settings(GUEST_RUNS_PER_IP_PER_HOUR=1)
def test_a_throttled_boosted_start_gets_the_whole_429_page_at_the_same_address(
    prevention: Routine,
) -> None:
    assert Client().post(start_url(prevention)).status_code == 303

    refused = Client().post(start_url(prevention), **BOOSTED)

    assert refused.status_code == 429
    html = refused.content.decode()
    assert "<html" in html  # a boosted swap replaces the body: a fragment would blank it
    assert "Too many routines started from this network" in main_text(refused)
    assert refused["HX-Push-Url"] == "false"
    assert Run.objects.count() == 1


def test_a_boosted_relief_start_without_the_check_goes_to_the_check(
    client: Client, relief: Routine
) -> None:
    response = client.post(start_url(relief), {"voice_asked": "1", "voice": "1"}, **BOOSTED)
    assert response.status_code == 302
    assert response["Location"] == reverse("safety_check", args=[relief.slug])
    assert not Run.objects.exists()


def test_a_draft_routine_cannot_be_started_and_the_choice_is_not_touched(
    client: Client,
) -> None:
    draft = make_routine("Draft", published=False)
    response = client.post(start_url(draft), {"voice_asked": "1", "voice": "1"}, **BOOSTED)
    assert response.status_code == 404
    assert NOT_FOUND in main_text(response)
    assert VOICE not in client.session
    assert not Run.objects.exists()


def test_another_persons_run_page_is_not_found_even_with_the_voice_chosen(
    prevention: Routine,
) -> None:
    owner, stranger = signed_in(make_user("sam")), signed_in(make_user("alex"))
    response = owner.post(start_url(prevention), {"voice_asked": "1", "voice": "1"})
    stranger.post(start_url(prevention), {"voice_asked": "1", "voice": "1"})
    assert stranger.get(response["Location"], **BOOSTED).status_code == 404
    assert owner.get(response["Location"], **BOOSTED).status_code == 200


# The production static files ------------------------------------------------------------------


def test_start_js_imports_the_very_player_module_the_run_page_loads(tmp_path: Path) -> None:
    """After collectstatic every module has a hashed name; start.js must import player.js by
    the same hashed name the run page's <script> uses, or a player swapped into the page
    would run a second copy of the modules (and a second sound context)."""
    env = {k: v for k, v in os.environ.items() if k not in {"STATICFILES_BACKEND", "DEBUG"}} | {
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "SECRET_KEY": "x" * 60,
        "STATIC_ROOT": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    start = tmp_path / manifest["js/start.js"]
    imports = dict(
        (Path(url).name.split(".")[0], url)
        for url in re.findall(r'from "(\.[^"]+)"', start.read_text())
    )
    assert set(imports) == {"player", "cues", "sound"}
    assert imports["player"] == "./" + Path(manifest["js/player.js"]).name
    assert imports["sound"] == "./player/" + Path(manifest["js/player/sound.js"]).name
    cues = (tmp_path / manifest["js/player/cues.js"]).read_text()
    assert f'from "./{Path(manifest["js/player/sound.js"]).name}"' in cues
