"""The cramp diary on a phone: three taps from the home page log a cramp."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from routines.diary.models import CrampEntry

from .helpers.browser import no_horizontal_scroll, shot, sign_in_browser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_three_taps_on_home_log_a_cramp(
    phone: Page, live_server: Any, sam: Any, scheme: str
) -> None:
    sign_in_browser(phone.context, live_server.url, sam)
    phone.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    phone.goto(live_server.url + "/")
    card = phone.locator("#quick-log")
    card.scroll_into_view_if_needed()
    shot(phone, f"diary-quick-log-{scheme}", full_page=False)

    card.get_by_role("radio", name="Calf").tap()
    card.get_by_role("radio", name="Right").tap()
    card.get_by_role("button", name="7 out of 10: save").tap()

    expect(card.get_by_role("heading", name="Cramp logged")).to_be_visible()
    expect(card.get_by_role("status")).to_contain_text("Calf, right, 7 out of 10")
    entry = CrampEntry.objects.get()
    assert (entry.user_id, entry.muscle, entry.side, entry.intensity) == (
        sam.pk,
        "calf",
        "right",
        7,
    )
    no_horizontal_scroll(phone)
    shot(phone, f"diary-quick-logged-{scheme}", full_page=False)

    phone.get_by_role("link", name="Add details").tap()
    expect(phone.get_by_role("heading", name="Change this entry")).to_be_visible()
    no_horizontal_scroll(phone)
    shot(phone, f"diary-edit-{scheme}")
    phone.get_by_label("How long it lasted (minutes) (optional)").fill("12")
    phone.get_by_role("button", name="Save changes").tap()
    expect(phone.get_by_text("Get seen today.")).to_be_visible()
    shot(phone, f"diary-list-{scheme}")
    entry.refresh_from_db()
    assert entry.lasted_minutes == 12


def test_a_guest_logs_with_javascript_off(browser: Any, live_server: Any) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 640}, is_mobile=True
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    card = page.locator("#quick-log")
    card.get_by_role("radio", name="Foot or toes").click()
    card.get_by_role("radio", name="Left").click()
    card.get_by_role("button", name="3 out of 10: save").click()
    expect(page).to_have_url(live_server.url + "/diary/")
    expect(page.get_by_role("status").first).to_contain_text(
        "Logged: foot or toes, left, 3 out of 10"
    )
    assert CrampEntry.objects.get(user=None).muscle == "foot"
    context.close()


def test_a_guest_logs_in_three_taps_with_htmx(phone: Page, live_server: Any) -> None:
    """A guest has no htmx CSRF header: the token the page adds outside the cached form
    (form="quick-log-form") goes with the htmx request."""
    phone.goto(live_server.url + "/")
    card = phone.locator("#quick-log")
    card.get_by_role("radio", name="Back of thigh").tap()
    card.get_by_role("radio", name="Both").tap()
    card.get_by_role("button", name="10 out of 10: save").tap()
    expect(card.get_by_role("status")).to_contain_text("Back of thigh, both, 10 out of 10")
    assert CrampEntry.objects.get(user=None).intensity == 10


@pytest.mark.parametrize("width", [360, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_charts_read_on_a_phone(
    phone: Page, live_server: Any, sam: Any, scheme: str, width: int
) -> None:
    import datetime as dt

    from django.utils import timezone

    from routines.content.models import Purpose
    from routines.player.models import Run

    from .factories import make_routine

    now = timezone.now()
    CrampEntry.objects.bulk_create(
        CrampEntry(
            user=sam,
            started_at=now - dt.timedelta(hours=5 + 31 * n),
            muscle=("calf", "foot", "calf", "hamstring")[n % 4],
            side="left",
            intensity=1 + n % 10,
            context="night" if n % 2 else "resting",
        )
        for n in range(40)
    )
    routine = make_routine(title="Bedtime stretches", purpose=Purpose.PREVENTION)
    for n in range(12):
        start = now - dt.timedelta(days=n * 3, hours=1)
        run = Run.begin(routine, user=sam, lead_in=False, now=start)
        Run.objects.filter(pk=run.pk).update(
            finished_at=start + dt.timedelta(minutes=4 + n % 5), rating=1 + n % 5
        )
    sign_in_browser(phone.context, live_server.url, sam)
    phone.set_viewport_size({"width": width, "height": 800})
    phone.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    for name in ("insights", "history"):
        phone.goto(f"{live_server.url}/diary/{name}/")
        expect(phone.locator("svg.bar-chart").first).to_be_visible()
        box = phone.locator("svg.bar-chart").first.bounding_box()
        assert box is not None and box["width"] <= width
        no_horizontal_scroll(phone)
        shot(phone, f"diary-{name}-{width}-{scheme}")


def test_the_doctors_summary_prints_on_one_page(phone: Page, live_server: Any, sam: Any) -> None:
    import datetime as dt
    import re

    from django.utils import timezone

    now = timezone.now()
    CrampEntry.objects.bulk_create(
        CrampEntry(
            user=sam,
            started_at=now - dt.timedelta(hours=3 + 29 * n),
            muscle=("calf", "foot", "hamstring")[n % 3],
            side=("left", "right")[n % 2],
            intensity=1 + n % 10,
            lasted_minutes=1 + n % 14,
            context="night",
        )
        for n in range(60)
    )
    sign_in_browser(phone.context, live_server.url, sam)
    phone.goto(f"{live_server.url}/diary/summary/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Leg cramp diary")
    no_horizontal_scroll(phone)
    shot(phone, "diary-summary-screen")

    phone.emulate_media(media="print")
    expect(phone.locator(".site-header")).to_be_hidden()
    expect(phone.get_by_role("button", name="Show this range")).to_be_hidden()
    shot(phone, "diary-summary-print")
    pdf = phone.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"the summary prints on {pages} pages"
