"""Reminders in a phone-sized Chromium: the form's live preview, the list's htmx controls, the
in-app banner for a due reminder, and screenshots of the pages (test-results/screens/)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from routines.content.models import Routine
from routines.reminders import schedule
from routines.reminders.models import (
    HydrationLog,
    Occurrence,
    OccurrenceStatus,
    Reminder,
    ReminderKind,
    ScheduleKind,
)

from .factories import make_routine
from .helpers.browser import no_horizontal_scroll, shot, sign_in_browser
from .helpers.people import make_user

pytestmark = pytest.mark.django_db(transaction=True)

#: A Monday, 09:10 UTC: 10:10 in Berlin.
T0 = dt.datetime(2025, 3, 3, 9, 10, tzinfo=dt.UTC)


@pytest.fixture
def person(transactional_db: None) -> User:
    return make_user("ada", timezone="Europe/Berlin")


@pytest.fixture
def desk(transactional_db: None) -> Routine:
    return make_routine("Desk micro-break", slug="desk-micro-break", situations=["desk"])


def preview(page: Page) -> Any:
    return page.locator("#preview li")


def test_a_new_reminder_previews_its_times_live_and_saves(
    phone: Page, live_server: Any, person: User, desk: Routine
) -> None:
    with time_machine.travel(T0, tick=False):
        sign_in_browser(phone.context, live_server.url, person)
        phone.goto(f"{live_server.url}/reminders/new/?kind=hydration")
        expect(phone.get_by_role("heading", level=1)).to_have_text("New reminder")
        expect(preview(phone)).to_have_text(
            [f"Today at {hour}:00" for hour in (12, 14, 16, 18, 20)]
        )
        no_horizontal_scroll(phone)
        shot(phone, "reminder-form")

        # Every 45 minutes from 10:00 to 12:00: the preview follows as the number is typed.
        phone.get_by_label("Every (minutes)").fill("45")
        phone.get_by_label("From", exact=True).fill("10:00")
        phone.get_by_label("Until", exact=True).fill("12:00")
        expect(preview(phone).first).to_have_text("Today at 10:45")
        expect(preview(phone)).to_have_text(
            [
                "Today at 10:45",
                "Today at 11:30",
                "Tomorrow at 10:00",
                "Tomorrow at 10:45",
                "Tomorrow at 11:30",
            ]
        )

        # Set times, on Wednesdays only.
        phone.get_by_label("At set times").check()
        phone.get_by_label("At these times").fill("7:45, 13:15")
        for day in ["Monday", "Tuesday", "Thursday", "Friday", "Saturday", "Sunday"]:
            phone.get_by_label(day, exact=True).uncheck()
        expect(preview(phone)).to_have_text(
            [
                "Wednesday at 07:45",
                "Wednesday at 13:15",
                "Wed 12 Mar at 07:45",
                "Wed 12 Mar at 13:15",
                "Wed 19 Mar at 07:45",
            ]
        )
        day_box = phone.locator("label.chip").first.bounding_box()
        assert day_box and day_box["height"] >= 44, "the day boxes are thumb-sized"

        # Taking every day away says so, before saving.
        phone.get_by_label("Wednesday", exact=True).uncheck()
        expect(phone.locator("#preview")).to_contain_text("Choose at least one day of the week.")
        phone.get_by_label("Wednesday", exact=True).check()
        expect(preview(phone).first).to_have_text("Wednesday at 07:45")

        phone.get_by_role("button", name="Save").tap()
        expect(phone).to_have_url(re.compile(r"/reminders/$"))
        expect(phone.locator(".message")).to_have_text(
            "Saved “Drink a glass of water”. Next: Wednesday at 07:45."
        )
        reminder = Reminder.objects.get(user=person)
        assert reminder.fixed_times == ["07:45", "13:15"]
        assert reminder.weekdays == schedule.weekday_mask([2])
        assert reminder.next_fire_at == dt.datetime(2025, 3, 5, 6, 45, tzinfo=dt.UTC)


def test_the_list_sets_up_suggestions_and_turns_one_off_in_place(
    phone: Page, live_server: Any, person: User, desk: Routine
) -> None:
    make_routine("Bedtime stretches", slug="bedtime-stretches", situations=["bedtime"])
    with time_machine.travel(T0, tick=False):
        sign_in_browser(phone.context, live_server.url, person)
        phone.goto(f"{live_server.url}/reminders/")
        shot(phone, "reminders-empty")
        phone.get_by_role("button", name="Set up the suggested reminders").tap()
        cards = phone.locator(".reminder")
        expect(cards).to_have_count(3)
        expect(phone.locator("#reminders-main .message")).to_contain_text(
            "Added 3 suggested reminders (2 on)."
        )
        water = cards.filter(has_text="Drink a glass of water")
        expect(water).to_contain_text("Next: Today at 12:00")
        no_horizontal_scroll(phone)

        water.get_by_role("button", name=re.compile("^Turn off")).tap()
        expect(water).to_contain_text("Next: Off")
        expect(water.get_by_role("button", name=re.compile("^Turn on"))).to_be_visible()
        assert Reminder.objects.get(kind=ReminderKind.HYDRATION).enabled is False

        desk_card = cards.filter(has_text="Desk micro-break")
        desk_card.get_by_text("Snooze").tap()
        desk_card.get_by_role("button", name="30 min").tap()
        expect(desk_card).to_contain_text("Snoozed until today at 10:40")
        phone.evaluate("window.scrollTo(0, 0)")
        shot(phone, "reminders-list")


def test_a_due_reminder_shows_as_a_banner_and_can_be_dismissed(
    phone: Page, live_server: Any, person: User
) -> None:
    reminder = Reminder.objects.create(
        user=person,
        kind=ReminderKind.HYDRATION,
        schedule=ScheduleKind.FIXED,
        fixed_times=["12:00"],
    )
    sign_in_browser(phone.context, live_server.url, person)
    phone.clock.install()
    phone.goto(f"{live_server.url}/about/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    expect(phone.locator(".due-banner")).to_have_count(0)

    # The reminder goes off (the worker records and sends it) while the page is open.
    Occurrence.objects.create(
        reminder=reminder,
        scheduled_for=timezone.now() - dt.timedelta(minutes=1),
        status=OccurrenceStatus.SENT,
    )
    phone.clock.run_for(61_000)
    banner = phone.locator(".due-banner")
    expect(banner).to_have_count(1)
    expect(banner).to_contain_text("Drink a glass of water")
    expect(banner.get_by_role("button", name="+1 glass")).to_be_visible()
    no_horizontal_scroll(phone)
    shot(phone, "reminder-banner")

    banner.get_by_role("button", name=re.compile("^Dismiss")).tap()
    expect(phone.locator(".due-banner")).to_have_count(0)
    phone.clock.run_for(61_000)  # the next poll does not bring it back
    expect(phone.locator(".due-banner")).to_have_count(0)
    expect(phone.get_by_role("heading", level=1)).to_be_visible()


def test_plus_one_glass_in_the_banner_logs_a_glass_without_leaving_the_page(
    phone: Page, live_server: Any, person: User
) -> None:
    reminder = Reminder.objects.create(
        user=person,
        kind=ReminderKind.HYDRATION,
        schedule=ScheduleKind.FIXED,
        fixed_times=["12:00"],
    )
    Occurrence.objects.create(
        reminder=reminder,
        scheduled_for=timezone.now() - dt.timedelta(minutes=2),
        status=OccurrenceStatus.PENDING,
    )
    sign_in_browser(phone.context, live_server.url, person)
    phone.goto(f"{live_server.url}/learn/")
    banner = phone.locator("#reminder-due")
    banner.get_by_role("button", name="+1 glass").tap()
    expect(banner).to_contain_text("One glass logged.")
    expect(phone.locator(".due-banner")).to_have_count(0)
    assert phone.url.endswith("/learn/")
    assert HydrationLog.objects.get().glasses == 1
