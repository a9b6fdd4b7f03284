"""The offline end screen closes with the same advice as the online summary (issue 9, section 3:
the same words everywhere): the 10-minute rule ("get seen today") and the link to the warning
signs, rendered into the saved player page from player/after_note.html, the one template the
online summary includes too.

Time: the player runs on Playwright's clock; nothing sleeps."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from routines.content.library.safety import LONG_CRAMP_ADVICE
from routines.player.models import Run

from .factories import make_routine
from .helpers.browser import freeze_page_clock, installed

pytestmark = pytest.mark.django_db(transaction=True)

CLOSING = "Cramps that keep coming back are worth a GP visit: when to get help."


@pytest.mark.parametrize("end_early", [False, True])
def test_the_offline_end_screen_gives_the_long_cramp_advice_as_the_online_summary_does(
    phone: Page, live_server: Any, end_early: bool
) -> None:
    routine = make_routine(
        "Calf relief",
        steps=[{"title": "Straighten the leg", "duration_seconds": 20}],
    )
    installed(phone, f"{live_server.url}/")
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/routines/{routine.slug}/")
    freeze_page_clock(phone)
    phone.get_by_label("5-second get-ready").set_checked(False)
    phone.get_by_role("button", name="Start").tap()
    expect(phone).to_have_url(re.compile(r"/offline/run/\?routine="))
    expect(phone.locator("#player-title")).to_have_text("Straighten the leg")
    # Not said while the routine runs: it belongs to the end.
    expect(phone.get_by_text(LONG_CRAMP_ADVICE)).to_be_hidden()

    if end_early:
        phone.locator("#player-end").tap()
        phone.get_by_role("button", name="End routine").tap()
        heading = "Ended early"
    else:
        phone.clock.run_for(20_000)
        heading = "End of the routine"

    expect(phone.get_by_role("heading", name=heading)).to_be_visible()
    expect(phone.locator("#player-status")).to_contain_text("Saved on this phone")
    note = phone.locator("#after-note")
    expect(note).to_be_visible()
    expect(note).to_have_text(f"{LONG_CRAMP_ADVICE} {CLOSING}")
    assert phone.locator("#after-note").count() == 1
    # Inside the end screen, after its "Back to the library".
    assert phone.evaluate(
        """() => {
          const note = document.getElementById("after-note");
          const back = document.querySelector(".summary .summary-actions");
          return note.closest(".summary") !== null &&
            Boolean(back.compareDocumentPosition(note) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    # Kept on the phone, not sent. Checked here, on the end screen: Chromium lifts its offline
    # emulation from a page as it is left, so the page going to the help page below hears
    # "online" and sends its outbox (seen on the server, sent from this page, 0.2 s after the
    # tap); with a real phone offline, that send fails and the run waits in the outbox.
    assert not Run.objects.exists()
    note.get_by_role("link", name="when to get help").click()
    expect(phone).to_have_url(f"{live_server.url}/help/")  # saved for offline too
    expect(phone.get_by_role("heading", level=1)).to_have_text("When to get help")


def test_the_online_summary_and_the_offline_page_share_the_words(client: Client) -> None:
    """Both pages render player/after_note.html: the same paragraph, byte for byte."""
    routine = make_routine("Calf relief", steps=[{"title": "Hold", "duration_seconds": 10}])
    client.post(reverse("start_run", args=[routine.slug]), {"safety": "clear"})
    run = Run.objects.get()
    for phase in range(len(run.phase_list())):
        client.post(reverse("run_control", args=[run.id]), {"action": "next", "phase": phase})
    summary = client.get(run.get_absolute_url()).content.decode()
    assert "Did it help?" in summary
    offline = client.get(reverse("offline_run")).content.decode()

    def note(html: str) -> str:
        found = re.findall(r'<p class="muted" id="after-note">.*?</p>', html, re.S)
        assert len(found) == 1
        return found[0]

    assert note(summary) == note(offline)
    assert LONG_CRAMP_ADVICE in note(offline) and reverse("get_help") in note(offline)
    hidden = re.search(r'<div id="offline-end-note" hidden>\s*<p', offline)
    assert hidden  # shown only when the routine ends
