"""The warning signs with no connection, in a phone-sized Chromium: once the service worker has
saved the app, a red flag tapped in the safety check shows that sign's advice (not the
generic offline page), and the warning signs page opens, both offline (context.set_offline)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from routines.content.models import Purpose, Routine, SafetySign, TriageLevel

from .factories import make_routine, make_sign, make_triage_level
from .helpers.browser import installed, no_horizontal_scroll, shot

pytestmark = pytest.mark.django_db(transaction=True)


def safety_content() -> dict[str, Any]:
    """An emergency level with its sign, a "get seen today" one, a "see a doctor" one (not a
    red flag: it does not stop the routine), and a relief routine."""
    emergency = make_triage_level(
        "Call the emergency number now",
        action="Call 999 now. Do not start a routine.",
        stops_routine=True,
        order=1,
    )
    TriageLevel.objects.filter(pk=emergency.pk).update(call_numbers="999, 112")
    today = make_triage_level(
        "Get seen today",
        action="Ask your GP surgery for an urgent appointment today.",
        stops_routine=True,
        order=2,
    )
    soon = make_triage_level("See a doctor soon", action="Book a GP appointment.", order=3)
    return {
        "cold": make_sign(
            emergency,
            "A leg that has suddenly turned cold and pale",
            key="cold-leg",
            detail="The leg may have lost its blood supply.",
        ),
        "swollen": make_sign(
            today,
            "One leg is swollen, warm and painful",
            key="swollen-leg",
            detail="This can be a blood clot.",
        ),
        "sleep": make_sign(soon, "Cramps are disturbing your sleep", key="sleep"),
        "routine": make_routine(
            "Calf relief",
            purpose=Purpose.RELIEF,
            situations=["cramp-now"],
            areas=["calf"],
            steps=[{"title": "Straighten the leg", "duration_seconds": 30}],
        ),
    }


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_offline_a_red_flag_shows_its_advice_and_the_warning_signs_open(
    phone: Page, live_server: Any, scheme: str
) -> None:
    content = safety_content()
    routine: Routine = content["routine"]
    cold: SafetySign = content["cold"]
    phone.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    installed(phone, f"{live_server.url}/")
    phone.context.set_offline(True)

    phone.goto(f"{live_server.url}/routines/{routine.slug}/check/")
    phone.get_by_role("button", name=cold.text).tap()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Call the emergency number now")
    main = phone.locator("main")
    expect(main).to_contain_text("Call 999 now. Do not start a routine.")
    expect(main).to_contain_text(cold.text)
    expect(main).to_contain_text("The leg may have lost its blood supply.")
    expect(phone.get_by_role("link", name="Call 999")).to_have_attribute("href", "tel:999")
    expect(phone.get_by_role("heading", name="No connection")).to_have_count(0)
    no_horizontal_scroll(phone)
    shot(phone, f"offline-red-flag-{scheme}", full_page=False)

    phone.get_by_role("link", name="See all the warning signs").tap()
    expect(phone).to_have_url(f"{live_server.url}/help/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("When to get help")
    for sign in ("cold", "swollen", "sleep"):
        expect(main).to_contain_text(content[sign].text)
    shot(phone, f"offline-help-{scheme}", full_page=False)

    # The other red flag, from the check again: its own advice, not the first one's.
    phone.go_back()
    phone.go_back()
    expect(phone).to_have_url(f"{live_server.url}/routines/{routine.slug}/check/")
    phone.get_by_role("button", name=content["swollen"].text).tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Get seen today")
    expect(main).to_contain_text("This can be a blood clot.")
    expect(main).not_to_contain_text("The leg may have lost its blood supply.")


def test_offline_a_sign_the_phone_has_not_saved_shows_the_offline_page(
    phone: Page, live_server: Any
) -> None:
    """A sign added after the phone saved the app (its check page is the saved one, without
    it): the offline page, which says so, rather than a wrong sign's advice."""
    content = safety_content()
    routine: Routine = content["routine"]
    installed(phone, f"{live_server.url}/")
    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/routines/{routine.slug}/check/")
    # The form as the server would now send it, for a sign this version never saved.
    phone.locator("input[name=sign]").first.evaluate("(input) => { input.value = 'new-sign'; }")
    phone.locator(".sign-button").first.tap()
    expect(phone.get_by_role("heading", name="No connection")).to_be_visible()
