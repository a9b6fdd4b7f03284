"""The warning-signs page says how to get seen for a long cramp once (issue 9, section 3).

Before, the "Get seen today" level's action ("ask your GP surgery for an urgent appointment
today, or call NHS 111") stood above the long-cramp sign, whose detail then said the same in
the 10-minute rule. Now the level's action says how, for every sign under it, and the sign keeps
the rule ("... stop and get seen today.") without its own copy of how. The advice is as
proportionate as the brief: an urgent GP appointment or NHS 111 the same day, never the
emergency number."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from routines.content.library.safety import (
    LONG_CRAMP_ADVICE,
    LONG_CRAMP_HOW,
    LONG_CRAMP_KEY,
    LONG_CRAMP_RULE,
    NOT_AN_EMERGENCY,
    UNTIL_SEEN,
)
from routines.content.models import LibraryRevision, SafetySign, TriageLevel

from .helpers.html import main_part, page_text

pytestmark = pytest.mark.django_db

EMERGENCY_NUMBERS = re.compile(r"\b(999|112|911)\b|emergency number|ambulance now")


@pytest.fixture
def shipped(db: None) -> None:
    call_command("load_library", verbosity=0)


def today_section(client: Client, htmx: bool = False) -> str:
    response = client.get(reverse("get_help"), headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 200
    html = response.content.decode()
    found = re.search(r'<section class="triage triage-today".*?</section>', html, re.S)
    assert found
    return page_text(found.group(0))


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("htmx", [False, True])
def test_how_to_get_seen_is_said_once_and_the_rule_stays(client: Client, htmx: bool) -> None:
    section = today_section(client, htmx)
    level = TriageLevel.objects.get(slug="today")

    assert section.count("urgent appointment") == 1
    assert section.count("NHS 111") == 1
    assert section.count(LONG_CRAMP_RULE) == 1
    assert LONG_CRAMP_ADVICE not in section
    # The level's action first, then the sign with its rule and "not an ambulance".
    assert section.index(level.action) < section.index(
        "A cramp that has lasted more than 10 minutes"
    )
    assert section.index(level.action) < section.index(f"{LONG_CRAMP_RULE}.")
    assert NOT_AN_EMERGENCY in section
    assert "Ordinary cramps pass within a few minutes." in section
    assert not EMERGENCY_NUMBERS.search(section)
    # The whole page says how once too (header, footer and the other levels).
    whole = page_text(main_part(client.get(reverse("get_help")).content.decode()))
    assert whole.count("NHS 111") == 1 and whole.count("urgent appointment") == 1


@pytest.mark.usefixtures("shipped")
def test_the_safety_check_outcome_still_leads_with_the_whole_rule(client: Client) -> None:
    """The outcome page shows one sign, not the level: there the rule is said whole."""
    response = client.post(
        reverse("safety_check", args=["calf-cramp-relief"]), {"sign": LONG_CRAMP_KEY}
    )
    text = page_text(main_part(response.content.decode()))
    assert text.count(LONG_CRAMP_ADVICE) == 1
    assert text.count("NHS 111") == 1
    # The level's "do not" too (brief: "Do not stretch, massage or heat: get seen today"),
    # after the rule, once.
    assert text.count(UNTIL_SEEN) == 1
    assert text.index(LONG_CRAMP_ADVICE) < text.index(UNTIL_SEEN)


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("htmx", [False, True])
def test_what_not_to_do_is_said_once_on_the_help_page(client: Client, htmx: bool) -> None:
    """The level's action says it for every sign under it: the long-cramp sign, whose own
    detail holds it for the outcome page, leaves it out here."""
    section = today_section(client, htmx)
    assert section.count(UNTIL_SEEN) == 1
    assert UNTIL_SEEN in TriageLevel.objects.get(slug="today").action


@pytest.mark.usefixtures("shipped")
def test_a_level_reworded_without_it_keeps_the_signs_own(client: Client) -> None:
    TriageLevel.objects.filter(slug="today").update(
        action="Ask your GP surgery for an urgent appointment today, or call NHS 111."
    )
    assert today_section(client).count(UNTIL_SEEN) == 1  # the sign's


def test_a_database_with_the_earlier_detail_is_brought_up_to_date(shipped: None) -> None:
    """Loaded before this correction: the detail without the "do not" is corrected; one
    staff reworded is kept."""
    earlier = f"Ordinary cramps pass within a few minutes. {LONG_CRAMP_ADVICE} {NOT_AN_EMERGENCY}"
    LibraryRevision.objects.filter(name="2026-12-long-cramp-until-seen").delete()
    SafetySign.objects.filter(key=LONG_CRAMP_KEY).update(detail=earlier)
    call_command("load_library", verbosity=0)
    assert UNTIL_SEEN in SafetySign.objects.get(key=LONG_CRAMP_KEY).detail

    LibraryRevision.objects.filter(name="2026-12-long-cramp-until-seen").delete()
    SafetySign.objects.filter(key=LONG_CRAMP_KEY).update(detail=f"{earlier} Staff words.")
    call_command("load_library", verbosity=0)
    assert SafetySign.objects.get(key=LONG_CRAMP_KEY).detail == f"{earlier} Staff words."


@pytest.mark.usefixtures("shipped")
def test_a_level_reworded_not_to_say_how_lists_the_whole_rule(client: Client) -> None:
    """Staff reword the level's action so it no longer says how: the sign keeps its whole
    rule, so the page still says how to get seen (once)."""
    TriageLevel.objects.filter(slug="today").update(
        action="Get a doctor to look at it today. Until then, do not stretch or rub the leg."
    )
    call_command("load_library", verbosity=0)  # staff edits to the level are kept
    level = TriageLevel.objects.get(slug="today")
    assert "urgent appointment" not in level.action

    section = today_section(client)

    assert section.count(LONG_CRAMP_ADVICE) == 1
    assert section.count("NHS 111") == 1


def test_detail_under_leaves_other_signs_as_they_are(shipped: None) -> None:
    level = TriageLevel.objects.get(slug="today")
    long_cramp = SafetySign.objects.get(key=LONG_CRAMP_KEY)
    clot = SafetySign.objects.get(key="blood-clot-in-leg")

    assert clot.detail_under(level.action) == clot.detail
    under = long_cramp.detail_under(level.action)
    assert LONG_CRAMP_HOW not in under and f"{LONG_CRAMP_RULE}." in under
    assert long_cramp.detail_under("See someone.") == long_cramp.detail
    assert f"{LONG_CRAMP_RULE}: {LONG_CRAMP_HOW}" == LONG_CRAMP_ADVICE


@pytest.mark.usefixtures("shipped")
def test_the_help_page_follows_a_level_edit_at_once(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    """The page is kept rendered; an edit to the level shows at once (the content version)."""
    assert today_section(client).count("NHS 111") == 1
    level = TriageLevel.objects.get(slug="today")
    level.action = "Get a doctor to look at it today."
    with django_capture_on_commit_callbacks(execute=True):
        level.save()
    section = today_section(client)
    assert LONG_CRAMP_ADVICE in section


def test_rewording_the_closing_advice_is_a_new_offline_version(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The offline end screen carries the 10-minute rule from code (player/after_note.html):
    a release that rewords it changes the service worker's version, so no phone keeps the old
    words offline; the same words give the same version."""

    def version() -> str:
        first = client.get("/sw.js").content.decode().partition("\n")[0]
        return json.loads(first.removeprefix("const PRECACHE = ").removesuffix(";"))["version"]

    before = version()
    assert version() == before
    monkeypatch.setattr(
        "routines.content.templatetags.unknot.LONG_CRAMP_ADVICE", "Reworded advice."
    )
    after = version()
    assert after != before
    offline = client.get(reverse("offline_run")).content.decode()
    assert "Reworded advice." in offline
