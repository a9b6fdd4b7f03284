"""The red flags' advice, saved for offline, from the server's side: each red flag's outcome is a
page of its own (GET /routines/<slug>/check/?sign=<key>), the service worker precaches it for
every relief routine, and the saved version changes with any word of the warning signs. The
browser side is tests/test_offline_red_flags_browser.py."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from routines.content.models import Purpose, SafetySign, TriageLevel
from routines.player.models import Run

from .factories import make_routine, make_sign, make_triage_level
from .helpers.html import main_part, page_text

pytestmark = pytest.mark.django_db

CHOOSE = "Choose one of the signs listed, or “None of these”."


def precache_of(client: Client) -> dict[str, Any]:
    first = client.get("/sw.js").content.decode().partition("\n")[0]
    match = re.fullmatch(r"const PRECACHE = (\{.*\});", first)
    assert match, first
    return json.loads(match[1])


@pytest.fixture
def content(db: None) -> dict[str, Any]:
    emergency = make_triage_level(
        "Call the emergency number now", action="Call 999 now.", stops_routine=True, order=1
    )
    today = make_triage_level(
        "Get seen today", action="Ask for an urgent appointment.", stops_routine=True, order=2
    )
    soon = make_triage_level("See a doctor soon", action="Book a GP appointment.", order=3)
    return {
        "cold": make_sign(emergency, "The leg is cold and pale.", key="cold-leg"),
        "swollen": make_sign(
            today, "One leg is swollen.", key="swollen-leg", detail="This can be a clot."
        ),
        "sleep": make_sign(soon, "Cramps wake you.", key="sleep"),
        "relief": make_routine("Calf relief", purpose=Purpose.RELIEF, situations=["cramp-now"]),
        "foot": make_routine("Foot relief", purpose=Purpose.RELIEF),
        "prevention": make_routine("Bedtime stretch"),
        "draft": make_routine("Draft relief", purpose=Purpose.RELIEF, published=False),
    }


def check_url(routine: Any) -> str:
    return reverse("safety_check", args=[routine.slug])


def test_every_red_flag_of_every_relief_routine_is_saved_for_offline(
    client: Client, content: dict[str, Any]
) -> None:
    urls = precache_of(client)["urls"]

    for routine in (content["relief"], content["foot"]):
        check = check_url(routine)
        assert f"{check}?sign=cold-leg" in urls
        assert f"{check}?sign=swollen-leg" in urls
        assert f"{check}?sign=sleep" not in urls  # not a red flag: no button, no outcome
    assert "/help/" in urls
    assert not any(check_url(content["prevention"]) in url for url in urls)
    assert not any(check_url(content["draft"]) in url for url in urls)


def test_a_saved_outcome_is_the_same_page_as_the_checks_answer(
    client: Client, content: dict[str, Any]
) -> None:
    check = check_url(content["relief"])
    urls = [url for url in precache_of(client)["urls"] if url.startswith(f"{check}?")]
    assert len(urls) == 2
    for url in urls:
        key = url.rsplit("=", 1)[1]
        saved = client.get(url)
        answered = client.post(check, {"sign": key})
        assert saved.status_code == answered.status_code == 200
        sign = SafetySign.objects.get(key=key)
        text = page_text(main_part(saved.content.decode()))
        assert text == page_text(main_part(answered.content.decode()))
        assert text.startswith(sign.level.title)
        assert sign.level.action in text and sign.text in text
    assert not Run.objects.exists()  # an outcome starts nothing


def test_over_htmx_the_outcome_page_is_the_outcome_alone(
    client: Client, content: dict[str, Any]
) -> None:
    response = client.get(
        check_url(content["relief"]), {"sign": "swollen-leg"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="page outcome')
    assert "This can be a clot." in page_text(html)
    assert "<main" not in html


@pytest.mark.parametrize("key", ["no-such-sign", "", "cold-leg\x00"])
def test_an_unknown_sign_is_a_clear_error_on_the_check_page(
    client: Client, content: dict[str, Any], key: str
) -> None:
    response = client.get(check_url(content["relief"]), {"sign": key})
    assert response.status_code == 400
    text = page_text(main_part(response.content.decode()))
    assert CHOOSE in text or "NUL" in text
    assert not Run.objects.exists()


def test_the_check_without_a_sign_is_the_check(client: Client, content: dict[str, Any]) -> None:
    html = client.get(check_url(content["relief"])).content.decode()
    assert "Before you start: does any of these apply?" in page_text(html)
    assert CHOOSE not in page_text(html)


def test_a_drafts_outcome_is_a_404_for_visitors(client: Client, content: dict[str, Any]) -> None:
    response = client.get(check_url(content["draft"]), {"sign": "cold-leg"})
    assert response.status_code == 404


def test_the_saved_version_changes_with_any_word_of_the_warning_signs(
    client: Client, content: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    first = precache_of(client)["version"]
    assert precache_of(client)["version"] == first

    with django_capture_on_commit_callbacks(execute=True):
        SafetySign.objects.get(key="swollen-leg").save()  # saved, nothing changed
    assert precache_of(client)["version"] == first

    with django_capture_on_commit_callbacks(execute=True):
        sign = SafetySign.objects.get(key="swollen-leg")
        sign.detail = "This can be a blood clot in a deep vein."
        sign.save()
    detail_edited = precache_of(client)["version"]
    assert detail_edited != first

    with django_capture_on_commit_callbacks(execute=True):
        level = TriageLevel.objects.get(title="Get seen today")
        level.action = "Ask your GP surgery for an urgent appointment today."
        level.save()
    assert precache_of(client)["version"] not in (first, detail_edited)
