"""Reminder pages: the list, the form and its preview, toggle, snooze, pause, delete, settings,
the in-app banner, and the time zone captured at sign-up.

Time stands still at T0 (Monday 3 March 2025, 09:10 UTC), which is 10:10 in Berlin (UTC+1
before the spring change), so every local time below can be worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from routines.accounts.models import Profile
from routines.content.models import Purpose, Routine
from routines.reminders import schedule
from routines.reminders.models import (
    HydrationLog,
    Occurrence,
    OccurrenceStatus,
    Reminder,
    ReminderKind,
    ScheduleKind,
)
from routines.reminders.suggested import MONDAY_TO_FRIDAY

from .factories import make_routine
from .helpers.html import messages_of, page_text, parse
from .helpers.people import PASSWORD, make_user, signed_in
from .helpers.reminders import make_reminder

pytestmark = pytest.mark.django_db

UTC = dt.UTC
T0 = dt.datetime(2025, 3, 3, 9, 10, tzinfo=UTC)  # a Monday; 10:10 in Berlin
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/routines/"}


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in March 2025, UTC."""
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=UTC)


# People and content ------------------------------------------------------------------------------


@pytest.fixture
def owner() -> User:
    return make_user("ada", timezone="Europe/Berlin")


@pytest.fixture
def other() -> User:
    return make_user("bea")


@pytest.fixture
def owner_client(client: Client, owner: User) -> Client:
    """The `client` fixture, signed in as the owner."""
    return signed_in(owner, client)


@pytest.fixture
def desk() -> Routine:
    return make_routine("Desk micro-break", slug="desk-micro-break", situations=["desk"])


@pytest.fixture
def bedtime() -> Routine:
    return make_routine("Bedtime stretches", slug="bedtime-stretches", situations=["bedtime"])


def form_data(**overrides: Any) -> dict[str, Any]:
    """A valid hydration reminder: every 2 hours, 08:00 to 20:00, every day, on."""
    data: dict[str, Any] = {
        "kind": "hydration",
        "schedule": "interval",
        "interval_minutes": "120",
        "window_start": "08:00",
        "window_end": "20:00",
        "fixed_times": "",
        "weekdays": [str(day) for day in range(7)],
        "enabled": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def preview_times(html: str) -> list[str]:
    match = re.search(r'<ol class="preview-times">(.*?)</ol>', html, flags=re.S)
    assert match, "no preview list"
    return re.findall(r"<li>(.*?)</li>", match.group(1))


def is_partial(html: str) -> bool:
    return "<html" not in html and "<body" not in html


def reminder_state(reminder: Reminder) -> tuple[Any, ...]:
    reminder.refresh_from_db()
    return (
        reminder.kind,
        reminder.schedule,
        reminder.interval_minutes,
        reminder.window_start,
        reminder.window_end,
        reminder.fixed_times,
        reminder.weekdays,
        reminder.enabled,
        reminder.snoozed_until,
        reminder.next_fire_at,
    )


# Signed out ---------------------------------------------------------------------------------


GET_PAGES = ["reminders", "reminder_create", "reminder_settings"]
POSTS = [
    ("reminders_suggested", []),
    ("reminders_pause", []),
    ("reminders_resume", []),
    ("calendar_new_link", []),
    ("reminder_preview", []),
    ("reminder_toggle", [1]),
    ("reminder_snooze", [1]),
    ("reminder_delete", [1]),
    ("reminder_due_dismiss", [1]),
    ("reminder_due_act", [1]),
]


@pytest.mark.parametrize("name", GET_PAGES)
def test_signed_out_pages_send_people_to_log_in(client: Client, name: str) -> None:
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "args"), POSTS)
def test_signed_out_changes_are_refused_and_change_nothing(
    client: Client, owner: User, name: str, args: list[int]
) -> None:
    reminder = make_reminder(owner)
    before = reminder_state(reminder)
    args = [reminder.pk] if args else []
    response = client.post(reverse(name, args=args), {"enabled": "0", "snooze": "15"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert reminder_state(reminder) == before


def test_signed_out_htmx_request_is_sent_to_log_in_as_a_whole_page(client: Client) -> None:
    response = client.post(reverse("reminders_resume"), **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/routines/"
    assert response.content == b""
    elsewhere = {**HTMX, "HTTP_HX_CURRENT_URL": "http://testserver/learn/?a=1&b=2"}
    response = client.post(reverse("reminders_resume"), **elsewhere)
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/learn/%3Fa%3D1%26b%3D2"


def test_signed_out_banner_poll_gets_nothing(client: Client) -> None:
    response = client.get(reverse("reminders_due"), **HTMX)
    assert response.status_code == 204
    assert response.content == b""


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("reminder_toggle", "get"),
        ("reminder_snooze", "get"),
        ("reminder_delete", "get"),
        ("reminders_pause", "get"),
        ("calendar_new_link", "get"),
        ("reminder_confirm_delete", "post"),
    ],
)
def test_each_change_needs_a_post(
    owner_client: Client, owner: User, name: str, method: str
) -> None:
    reminder = make_reminder(owner)
    args = [reminder.pk] if "reminder_" in name else []
    response = getattr(owner_client, method)(reverse(name, args=args))
    assert response.status_code == 405
    assert Reminder.objects.filter(pk=reminder.pk, enabled=True).exists()


# The list -----------------------------------------------------------------------------------


def test_list_shows_own_reminders_in_words_with_the_next_local_time(
    owner_client: Client, owner: User, other: User, desk: Routine, clock: Any
) -> None:
    make_reminder(owner)
    make_reminder(
        owner,
        kind=ReminderKind.STRETCH,
        routine=desk,
        schedule=ScheduleKind.FIXED,
        interval_minutes=None,
        window_start=None,
        window_end=None,
        fixed_times=["08:00", "12:30", "18:00"],
        weekdays=schedule.weekday_mask([0, 2, 4]),
    )
    make_reminder(owner, enabled=False, interval_minutes=60)
    make_reminder(other, interval_minutes=45)

    text = page_text(owner_client.get(reverse("reminders")).content.decode())

    assert "Drink a glass of water Turn off" in text
    assert "Every 2 hours from 08:00 to 20:00, every day Next: Today at 12:00" in text
    assert "Stretch: Desk micro-break" in text
    assert "At 08:00, 12:30 and 18:00, on Mon, Wed and Fri Next: Today at 12:30" in text
    assert "Every hour from 08:00 to 20:00, every day Next: Off" in text
    assert "45 minutes" not in text  # someone else's


def test_list_links_to_devices_adding_settings_and_the_private_feed(
    owner_client: Client, owner: User
) -> None:
    html = owner_client.get(reverse("reminders")).content.decode()
    links = dict(parse(html).links)
    token = Profile.for_user(owner).calendar_token
    assert links["/push/devices/"] == "Notifications and devices"
    assert links["/reminders/new/?kind=hydration"] == "Add a hydration reminder"
    assert links["/reminders/new/?kind=stretch"] == "Add a stretch reminder"
    assert links[f"webcal://testserver/calendar/{token}.ics"] == "Add to my calendar"
    assert f'value="http://testserver/calendar/{token}.ics"' in html
    assert "Europe/Berlin" in page_text(html)


def test_banner_slot_and_reminders_link_are_only_on_signed_in_pages(
    client: Client, owner: User
) -> None:
    guest = client.get(reverse("about")).content.decode()
    assert 'id="reminder-due"' not in guest
    assert "/reminders/" not in guest
    client.force_login(owner)
    html = client.get(reverse("about")).content.decode()
    assert 'hx-get="/reminders/due/" hx-trigger="load, every 60s"' in html
    assert ("/reminders/", "Reminders") in parse(html).links


# Suggested reminders ------------------------------------------------------------------------


def test_suggested_reminders_are_added_once_with_their_next_times(
    owner_client: Client, owner: User, desk: Routine, bedtime: Routine, clock: Any
) -> None:
    page = owner_client.get(reverse("reminders")).content.decode()
    assert "Set up the suggested reminders" in page

    response = owner_client.post(reverse("reminders_suggested"))
    assert response.status_code == 302
    reminders = {(r.kind, r.routine_id): r for r in Reminder.objects.filter(user=owner)}
    assert len(reminders) == 3
    water = reminders[(ReminderKind.HYDRATION, None)]
    assert water.next_fire_at == utc(3, 11)  # 12:00 in Berlin
    assert reminders[(ReminderKind.STRETCH, desk.pk)].next_fire_at == utc(3, 10)  # 11:00
    assert reminders[(ReminderKind.STRETCH, bedtime.pk)].enabled is False
    assert "Added 3 suggested reminders (2 on)" in messages_of(response)[0]

    again = owner_client.post(reverse("reminders_suggested"), **HTMX)
    assert Reminder.objects.filter(user=owner).count() == 3
    assert "You already have reminders, so nothing was added." in again.content.decode()
    page = owner_client.get(reverse("reminders")).content.decode()
    assert "Set up the suggested reminders" not in page


def test_suggested_reminders_by_htmx_swap_the_list_in(
    owner_client: Client, owner: User, desk: Routine, clock: Any
) -> None:
    response = owner_client.post(reverse("reminders_suggested"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert is_partial(html)
    assert html.lstrip().startswith('<div id="reminders-main"')
    assert "Stretch: Desk micro-break" in page_text(html)


def test_suggestions_leave_out_water_for_someone_on_a_fluid_restriction(
    owner_client: Client, owner: User, clock: Any
) -> None:
    Profile.objects.filter(user=owner).update(fluid_restriction=True)
    page = owner_client.get(reverse("reminders")).content.decode()
    assert "glass of water every 2 hours" not in page
    owner_client.post(reverse("reminders_suggested"))
    kinds = set(Reminder.objects.filter(user=owner).values_list("kind", flat=True))
    assert kinds == {ReminderKind.STRETCH}


# The form and its preview -------------------------------------------------------------------


def test_new_stretch_form_starts_from_the_desk_break_and_previews_five_local_times(
    owner_client: Client, desk: Routine, clock: Any
) -> None:
    relief = make_routine("Calf cramp relief", purpose=Purpose.RELIEF)
    hidden = make_routine("Draft stretch", published=False)
    html = owner_client.get(reverse("reminder_create"), {"kind": "stretch"}).content.decode()

    options = re.findall(r'<option value="(\d+)"( selected)?>', html)
    assert options == [(str(desk.pk), " selected")]
    assert relief.pk != desk.pk and hidden.pk != desk.pk
    checked_days = [
        i["value"] for i in parse(html).inputs if i.get("name") == "weekdays" and "checked" in i
    ]
    assert checked_days == ["0", "1", "2", "3", "4"]
    assert preview_times(html) == [
        "Today at 11:00",
        "Today at 12:00",
        "Today at 13:00",
        "Today at 14:00",
        "Today at 15:00",
    ]
    assert "In your time zone, Europe/Berlin." in page_text(html)


def test_weekday_boxes_are_labelled_with_the_day_names(owner_client: Client) -> None:
    html = owner_client.get(reverse("reminder_create")).content.decode()
    labels = [i.get("aria-label") for i in parse(html).inputs if i.get("name") == "weekdays"]
    assert labels == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def test_live_preview_answers_with_the_next_five_times_and_saves_nothing(
    owner_client: Client, clock: Any
) -> None:
    data = form_data(schedule="fixed", fixed_times="07:30, 21:30, 9:15", weekdays=["1", "3"])
    response = owner_client.post(reverse("reminder_preview"), data, **HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert is_partial(html)
    # 21:30 is in quiet hours; Tuesday 4 and Thursday 6 March.
    assert preview_times(html) == [
        "Tomorrow at 07:30",
        "Tomorrow at 09:15",
        "Thursday at 07:30",
        "Thursday at 09:15",
        "Tue 11 Mar at 07:30",
    ]
    assert Reminder.objects.count() == 0


def test_live_preview_follows_the_persons_zone(
    owner_client: Client, owner: User, clock: Any
) -> None:
    Profile.objects.filter(user=owner).update(timezone="Asia/Kolkata")  # 14:40 there
    html = owner_client.post(reverse("reminder_preview"), form_data(), **HTMX).content.decode()
    assert preview_times(html) == [
        "Today at 16:00",
        "Today at 18:00",
        "Today at 20:00",
        "Tomorrow at 08:00",
        "Tomorrow at 10:00",
    ]
    assert "Asia/Kolkata" in html


def test_live_preview_of_bad_values_lists_what_to_fix(owner_client: Client, clock: Any) -> None:
    data = form_data(interval_minutes="5", weekdays=[])
    html = owner_client.post(reverse("reminder_preview"), data, **HTMX).content.decode()
    text = page_text(html)
    assert "Fix what is marked to see the times." in text
    assert "The shortest gap is 15 minutes." in text
    assert "Choose at least one day of the week." in text
    assert 'class="preview-times"' not in html


def test_preview_warns_when_every_time_is_in_quiet_hours(owner_client: Client, clock: Any) -> None:
    data = form_data(schedule="fixed", fixed_times="22:00, 23:30")
    html = owner_client.post(reverse("reminder_preview"), data, **HTMX).content.decode()
    assert "this reminder would never go off" in page_text(html)


def test_preview_button_without_javascript_shows_times_and_saves_nothing(
    owner_client: Client, clock: Any
) -> None:
    response = owner_client.post(reverse("reminder_create"), form_data(preview="1"))
    assert response.status_code == 200
    assert preview_times(response.content.decode())[0] == "Today at 12:00"
    assert Reminder.objects.count() == 0


def test_saving_a_hydration_reminder_sets_its_next_fire_and_returns_to_the_list(
    owner_client: Client, owner: User, desk: Routine, clock: Any
) -> None:
    data = form_data(routine=str(desk.pk), weekdays=["2", "3"])  # Wednesday and Thursday
    response = owner_client.post(reverse("reminder_create"), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("reminders")
    reminder = Reminder.objects.get(user=owner)
    assert reminder.routine is None  # a water reminder opens no routine
    assert reminder.weekdays == schedule.weekday_mask([2, 3])
    assert reminder.next_fire_at == utc(5, 7)  # Wednesday 08:00 in Berlin
    assert messages_of(response) == ["Saved “Drink a glass of water”. Next: Wednesday at 08:00."]


def test_saving_fixed_times_keeps_them_tidy_and_drops_the_interval(
    owner_client: Client, owner: User, desk: Routine, clock: Any
) -> None:
    data = form_data(
        kind="stretch",
        routine="",
        schedule="fixed",
        fixed_times="18:00; 8:00 12.30, 08:00",
        interval_minutes="30",
    )
    assert owner_client.post(reverse("reminder_create"), data).status_code == 302
    reminder = Reminder.objects.get(user=owner)
    assert reminder.fixed_times == ["08:00", "12:30", "18:00"]
    assert (reminder.interval_minutes, reminder.window_start, reminder.window_end) == (
        None,
        None,
        None,
    )
    assert reminder.routine == desk  # a stretch without a choice opens the desk break
    assert reminder.next_fire_at == utc(3, 11, 30)  # 12:30 in Berlin


BAD_VALUES = [
    ({"interval_minutes": "10"}, "The shortest gap is 15 minutes."),
    ({"interval_minutes": "481"}, "The longest gap is 480 minutes (8 hours)."),
    ({"interval_minutes": ""}, "Say how many minutes apart the reminders are."),
    ({"weekdays": []}, "Choose at least one day of the week."),
    ({"weekdays": ["7"]}, "Choose days from Monday to Sunday."),
    (
        {"schedule": "fixed", "fixed_times": ", ".join(f"{h:02d}:00" for h in range(7, 20))},
        "That is 13 times; the most is 12 a day.",
    ),
    ({"schedule": "fixed", "fixed_times": "08:00, 25:00"}, "“25:00” is not a time of day."),
    ({"schedule": "fixed", "fixed_times": "noon"}, "“noon” is not a time of day."),
    ({"schedule": "fixed", "fixed_times": ""}, "Give at least one time."),
    (
        {"window_start": "18:00", "window_end": "09:00"},
        "The end of the window must come after its start, on the same day.",
    ),
    ({"window_start": "25:00"}, "Enter a valid time."),
    ({"kind": "coffee"}, "Select a valid choice."),
    ({"schedule": ""}, "Choose how the reminder repeats."),
]


@pytest.mark.parametrize(("overrides", "error"), BAD_VALUES)
def test_bad_values_get_a_clear_error_and_nothing_is_saved(
    owner_client: Client, owner: User, clock: Any, overrides: dict[str, Any], error: str
) -> None:
    response = owner_client.post(reverse("reminder_create"), form_data(**overrides))
    text = page_text(response.content.decode())
    assert response.status_code == 400
    assert "Nothing was saved." in text
    assert error in text
    assert Reminder.objects.count() == 0


@pytest.mark.parametrize(("overrides", "error"), BAD_VALUES[:4])
def test_bad_values_on_edit_change_nothing(
    owner_client: Client, owner: User, clock: Any, overrides: dict[str, Any], error: str
) -> None:
    reminder = make_reminder(owner)
    before = reminder_state(reminder)
    response = owner_client.post(
        reverse("reminder_edit", args=[reminder.pk]), form_data(**overrides)
    )
    assert response.status_code == 400
    assert error in page_text(response.content.decode())
    assert reminder_state(reminder) == before


def test_a_relief_routine_cannot_be_chosen_for_a_stretch_reminder(
    owner_client: Client, clock: Any
) -> None:
    relief = make_routine("Calf cramp relief", purpose=Purpose.RELIEF)
    data = form_data(kind="stretch", routine=str(relief.pk))
    response = owner_client.post(reverse("reminder_create"), data)
    assert response.status_code == 400
    assert "Choose one of the routines listed." in page_text(response.content.decode())
    assert Reminder.objects.count() == 0


def test_editing_shows_the_saved_values_then_saves_changes_and_ends_a_snooze(
    owner_client: Client, owner: User, clock: Any
) -> None:
    reminder = make_reminder(owner, snoozed_until=utc(3, 9, 40))
    page = owner_client.get(reverse("reminder_edit", args=[reminder.pk])).content.decode()
    assert 'name="interval_minutes" value="120"' in page
    assert 'name="window_start" value="08:00"' in page

    data = form_data(interval_minutes="30", window_start="10:00", window_end="11:00")
    response = owner_client.post(reverse("reminder_edit", args=[reminder.pk]), data)

    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.interval_minutes == 30
    assert reminder.snoozed_until is None
    assert reminder.next_fire_at == utc(3, 9, 30)  # 10:30 in Berlin


def test_someone_elses_reminder_cannot_be_seen_or_changed(
    owner_client: Client, other: User, clock: Any
) -> None:
    theirs = make_reminder(other)
    before = reminder_state(theirs)
    assert owner_client.get(reverse("reminder_edit", args=[theirs.pk])).status_code == 404
    assert owner_client.get(reverse("reminder_confirm_delete", args=[theirs.pk])).status_code == 404
    for name, data in [
        ("reminder_edit", form_data(interval_minutes="30")),
        ("reminder_toggle", {"enabled": "0"}),
        ("reminder_snooze", {"snooze": "15"}),
        ("reminder_delete", {}),
    ]:
        assert owner_client.post(reverse(name, args=[theirs.pk]), data).status_code == 404
        assert owner_client.post(reverse(name, args=[theirs.pk]), data, **HTMX).status_code == 404
    assert reminder_state(theirs) == before


# Delete -------------------------------------------------------------------------------------


def test_delete_asks_first_then_removes_the_reminder(
    owner_client: Client, owner: User, clock: Any
) -> None:
    reminder = make_reminder(owner)
    page = owner_client.get(reverse("reminder_confirm_delete", args=[reminder.pk])).content.decode()
    assert "Delete this reminder?" in page
    assert f'action="/reminders/{reminder.pk}/delete/"' in page
    assert '<button type="submit" class="button danger">Delete<' in page  # the alert colour
    assert Reminder.objects.filter(pk=reminder.pk).exists()

    response = owner_client.post(reverse("reminder_delete", args=[reminder.pk]))
    assert response.status_code == 302
    assert not Reminder.objects.filter(pk=reminder.pk).exists()
    assert messages_of(response) == ["Deleted “Drink a glass of water”."]


def test_delete_with_htmx_asks_inside_the_row_and_swaps_the_list(
    owner_client: Client, owner: User, clock: Any
) -> None:
    reminder = make_reminder(owner)
    question = owner_client.get(reverse("reminder_confirm_delete", args=[reminder.pk]), **HTMX)
    html = question.content.decode()
    assert is_partial(html)
    assert 'hx-target="#reminders-main"' in html

    response = owner_client.post(reverse("reminder_delete", args=[reminder.pk]), **HTMX)
    html = response.content.decode()
    assert is_partial(html)
    assert "Deleted “Drink a glass of water”." in html
    assert "Set up the suggested reminders" in html
    assert not Reminder.objects.exists()


# Turn on and off ----------------------------------------------------------------------------


def test_turning_off_stops_the_reminder_and_turning_on_reschedules_it(
    owner_client: Client, owner: User, clock: Any
) -> None:
    reminder = make_reminder(owner, snoozed_until=utc(3, 9, 30))
    response = owner_client.post(reverse("reminder_toggle", args=[reminder.pk]), {"enabled": "0"})
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert (reminder.enabled, reminder.next_fire_at, reminder.snoozed_until) == (False, None, None)
    assert messages_of(response) == ["“Drink a glass of water” is off."]

    # The same tap again (a double tap) leaves it off.
    owner_client.post(reverse("reminder_toggle", args=[reminder.pk]), {"enabled": "0"})
    reminder.refresh_from_db()
    assert reminder.enabled is False

    owner_client.post(reverse("reminder_toggle", args=[reminder.pk]), {"enabled": "1"})
    reminder.refresh_from_db()
    assert (reminder.enabled, reminder.next_fire_at) == (True, utc(3, 11))


def test_toggle_with_htmx_answers_with_the_row(
    owner_client: Client, owner: User, clock: Any
) -> None:
    reminder = make_reminder(owner)
    response = owner_client.post(
        reverse("reminder_toggle", args=[reminder.pk]), {"enabled": "0"}, **HTMX
    )
    html = response.content.decode()
    assert is_partial(html)
    assert html.lstrip().startswith(f'<li class="card reminder is-off" id="reminder-{reminder.pk}"')
    assert "Turn on" in html
    assert "“Drink a glass of water” is off." in page_text(html)
    assert list(get_messages(response.wsgi_request)) == []


# Snooze -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "next_fire"),
    [
        ("15", utc(3, 9, 25)),
        ("30", utc(3, 9, 40)),
        ("60", utc(3, 10, 10)),
        ("tomorrow", utc(4, 7)),  # 08:00 on Tuesday in Berlin
    ],
)
def test_snooze_moves_the_next_fire(
    owner_client: Client, owner: User, clock: Any, choice: str, next_fire: dt.datetime
) -> None:
    reminder = make_reminder(owner)
    assert reminder.next_fire_at == utc(3, 11)
    response = owner_client.post(reverse("reminder_snooze", args=[reminder.pk]), {"snooze": choice})
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.snoozed_until == next_fire
    assert reminder.next_fire_at == next_fire


def test_snooze_with_htmx_shows_the_row_snoozed_and_can_be_stopped(
    owner_client: Client, owner: User, clock: Any
) -> None:
    reminder = make_reminder(owner)
    url = reverse("reminder_snooze", args=[reminder.pk])
    html = owner_client.post(url, {"snooze": "30"}, **HTMX).content.decode()
    assert is_partial(html)
    text = page_text(html)
    assert "Next: Today at 10:40" in text
    assert "Snoozed until today at 10:40" in text
    assert "Stop snoozing" in text

    html = owner_client.post(url, {"snooze": "off"}, **HTMX).content.decode()
    reminder.refresh_from_db()
    assert (reminder.snoozed_until, reminder.next_fire_at) == (None, utc(3, 11))
    assert "is back on its usual times" in page_text(html)


@pytest.mark.parametrize("choice", ["", "45", "forever"])
def test_a_bad_snooze_changes_nothing(
    owner_client: Client, owner: User, clock: Any, choice: str
) -> None:
    reminder = make_reminder(owner)
    before = reminder_state(reminder)
    url = reverse("reminder_snooze", args=[reminder.pk])
    response = owner_client.post(url, {"snooze": choice}, **HTMX)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    plain = owner_client.post(url, {"snooze": choice})
    assert plain.status_code == 302
    assert messages_of(plain)
    assert reminder_state(reminder) == before


def test_a_reminder_that_is_off_cannot_be_snoozed(
    owner_client: Client, owner: User, clock: Any
) -> None:
    reminder = make_reminder(owner, enabled=False)
    response = owner_client.post(reverse("reminder_snooze", args=[reminder.pk]), {"snooze": "15"})
    assert messages_of(response) == ["This reminder is off. Turn it on to snooze it."]
    reminder.refresh_from_db()
    assert (reminder.snoozed_until, reminder.next_fire_at) == (None, None)


# Pause all ----------------------------------------------------------------------------------


def test_pause_until_a_date_moves_every_reminder_past_it_and_resume_brings_them_back(
    owner_client: Client, owner: User, desk: Routine, clock: Any
) -> None:
    water = make_reminder(owner)
    stretch = make_reminder(
        owner, kind=ReminderKind.STRETCH, routine=desk, weekdays=MONDAY_TO_FRIDAY
    )
    response = owner_client.post(reverse("reminders_pause"), {"until": "2025-03-05"})
    assert response.status_code == 302
    assert Profile.for_user(owner).paused_until == dt.date(2025, 3, 5)
    water.refresh_from_db()
    stretch.refresh_from_db()
    assert water.next_fire_at == utc(6, 7)  # Thursday 08:00 in Berlin
    assert stretch.next_fire_at == utc(6, 7)
    page = page_text(owner_client.get(reverse("reminders")).content.decode())
    assert "All reminders are paused until the end of Wednesday 5 March." in page
    assert "Resume now" in page

    owner_client.post(reverse("reminders_resume"))
    water.refresh_from_db()
    assert Profile.for_user(owner).paused_until is None
    assert water.next_fire_at == utc(3, 11)


def test_pause_with_htmx_swaps_the_list_with_the_paused_notice(
    owner_client: Client, owner: User, clock: Any
) -> None:
    make_reminder(owner)
    response = owner_client.post(reverse("reminders_pause"), {"until": "2025-03-03"}, **HTMX)
    html = response.content.decode()
    assert is_partial(html)
    assert "paused until the end of Monday 3 March" in page_text(html)
    assert Reminder.objects.get().next_fire_at == utc(4, 7)


@pytest.mark.parametrize(
    ("until", "error"),
    [
        ("2025-03-02", "That day has passed. Choose today or a later day."),
        ("", "Choose the last day of the pause."),
        ("next week", "Choose a date from the calendar."),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX])
def test_pause_with_a_past_or_missing_date_is_refused(
    owner_client: Client, owner: User, clock: Any, until: str, error: str, headers: dict[str, str]
) -> None:
    reminder = make_reminder(owner)
    response = owner_client.post(reverse("reminders_pause"), {"until": until}, **headers)
    assert response.status_code == 400
    assert error in page_text(response.content.decode())
    assert Profile.for_user(owner).paused_until is None
    reminder.refresh_from_db()
    assert reminder.next_fire_at == utc(3, 11)


# Settings -----------------------------------------------------------------------------------


def test_settings_page_offers_common_zones_and_the_phones_zone(owner_client: Client) -> None:
    html = owner_client.get(reverse("reminder_settings")).content.decode()
    assert 'list="zone-list"' in html
    assert '<option value="Asia/Kolkata">' in html
    assert 'data-use-browser-timezone="id_timezone"' in html
    assert 'src="/static/js/timezone.js"' in html
    assert 'value="Europe/Berlin"' in html


def test_changing_the_zone_moves_every_next_fire(
    owner_client: Client, owner: User, clock: Any
) -> None:
    reminder = make_reminder(owner)
    assert reminder.next_fire_at == utc(3, 11)
    data = {"timezone": "America/New_York", "quiet_start": "21:00", "quiet_end": "07:00"}
    response = owner_client.post(reverse("reminder_settings"), data)
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert Profile.for_user(owner).timezone == "America/New_York"
    assert reminder.next_fire_at == utc(3, 13)  # 08:00 in New York (UTC-5)


def test_changing_quiet_hours_and_bedtime_moves_the_next_fire(
    owner_client: Client, owner: User, clock: Any
) -> None:
    reminder = make_reminder(owner)
    data = {
        "timezone": "Europe/Berlin",
        "quiet_start": "11:00",
        "quiet_end": "13:00",
        "bedtime": "18:00",
    }
    owner_client.post(reverse("reminder_settings"), data)
    reminder.refresh_from_db()
    # 12:00 is now quiet and 16:00 is in the two hours before bedtime: 14:00 comes first.
    assert reminder.next_fire_at == utc(3, 13)
    profile = Profile.for_user(owner)
    assert (profile.quiet_start, profile.quiet_end, profile.bedtime) == (
        dt.time(11),
        dt.time(13),
        dt.time(18),
    )


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "We do not know the time zone “Mars/Olympus_Mons”."),
        ({"timezone": "europe/london"}, "Did you mean Europe/London?"),
        ({"timezone": ""}, "Give your time zone, for example Europe/London."),
        ({"quiet_end": "21:00"}, "Quiet hours need an end that differs from their start."),
        ({"quiet_start": "9pm"}, "Enter a valid time."),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(
    owner_client: Client, owner: User, clock: Any, overrides: dict[str, str], error: str
) -> None:
    reminder = make_reminder(owner)
    data = {"timezone": "Asia/Tokyo", "quiet_start": "21:00", "quiet_end": "07:00", **overrides}
    response = owner_client.post(reverse("reminder_settings"), data)
    assert response.status_code == 400
    assert error in page_text(response.content.decode())
    assert Profile.for_user(owner).timezone == "Europe/Berlin"
    reminder.refresh_from_db()
    assert reminder.next_fire_at == utc(3, 11)


# The in-app banner --------------------------------------------------------------------------


def occurrence(reminder: Reminder, at: dt.datetime, status: str = "sent") -> Occurrence:
    return Occurrence.objects.create(reminder=reminder, scheduled_for=at, status=status)


def test_banner_poll_is_empty_when_nothing_is_due(
    owner_client: Client, owner: User, clock: Any
) -> None:
    reminder = make_reminder(owner)
    occurrence(reminder, T0 - dt.timedelta(minutes=16))  # too long ago
    occurrence(reminder, T0 - dt.timedelta(minutes=2), OccurrenceStatus.MISSED)
    occurrence(reminder, T0 + dt.timedelta(minutes=5), OccurrenceStatus.PENDING)  # not yet
    response = owner_client.get(reverse("reminders_due"), **HTMX)
    assert response.status_code == 204
    assert response.content == b""


def test_banner_shows_a_reminder_that_went_off_a_minute_ago(
    owner_client: Client, owner: User, other: User, desk: Routine, clock: Any
) -> None:
    water = make_reminder(owner)
    stretch = make_reminder(owner, kind=ReminderKind.STRETCH, routine=desk)
    theirs = make_reminder(other, kind=ReminderKind.STRETCH, routine=make_routine("Theirs"))
    occurrence(water, T0 - dt.timedelta(minutes=1))
    occurrence(stretch, T0 - dt.timedelta(minutes=3), OccurrenceStatus.PENDING)
    occurrence(theirs, T0 - dt.timedelta(minutes=1))

    response = owner_client.get(reverse("reminders_due"), **HTMX)
    html = response.content.decode()
    text = page_text(html)
    assert response.status_code == 200
    assert is_partial(html)
    assert "Reminder Drink a glass of water +1 glass Dismiss" in text
    assert "Reminder Stretch: Desk micro-break Start the routine Dismiss" in text
    assert "Theirs" not in text
    # While a banner shows, the poll says so, so that an empty answer clears it.
    assert 'hx-get="/reminders/due/?showing=1" hx-trigger="every 60s"' in html
    assert 'name="next" value="/routines/"' in html


def test_banner_poll_finds_due_reminders_with_one_query(
    owner_client: Client, owner: User, desk: Routine, clock: Any
) -> None:
    for minutes in (1, 2, 3):
        reminder = make_reminder(owner, kind=ReminderKind.STRETCH, routine=desk)
        occurrence(reminder, T0 - dt.timedelta(minutes=minutes))
    owner_client.get(reverse("reminders_due"), **HTMX)  # the session and user are now warm
    with CaptureQueriesContext(connection) as queries:
        response = owner_client.get(reverse("reminders_due"), **HTMX)
    assert response.content.decode().count("Start the routine") == 3
    touching = [q["sql"] for q in queries if "reminders_occurrence" in q["sql"]]
    assert len(touching) == 1


def test_an_emptied_banner_clears_itself(owner_client: Client, owner: User, clock: Any) -> None:
    response = owner_client.get(reverse("reminders_due"), {"showing": "1"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="reminder-due"' in html
    assert 'hx-get="/reminders/due/" hx-trigger="every 60s"' in html
    assert "Dismiss" not in html


def test_dismissed_reminders_stay_out_of_the_banner(
    owner_client: Client, owner: User, clock: Any
) -> None:
    reminder = make_reminder(owner)
    due = occurrence(reminder, T0 - dt.timedelta(minutes=1))
    url = reverse("reminder_due_dismiss", args=[due.pk])
    response = owner_client.post(url, {"next": "/routines/"}, **HTMX)
    assert response.status_code == 200
    assert "Dismiss" not in response.content.decode()
    assert owner_client.get(reverse("reminders_due"), **HTMX).status_code == 204

    plain = owner_client.post(url, {"next": "/learn/"})
    assert plain["Location"] == "/learn/"
    unsafe = owner_client.post(url, {"next": "https://example.com/"})
    assert unsafe["Location"] == reverse("reminders")


def test_someone_elses_occurrence_cannot_be_dismissed_or_acted_on(
    owner_client: Client, other: User, clock: Any
) -> None:
    due = occurrence(make_reminder(other), T0 - dt.timedelta(minutes=1))
    assert owner_client.post(reverse("reminder_due_dismiss", args=[due.pk])).status_code == 404
    assert owner_client.post(reverse("reminder_due_act", args=[due.pk]), **HTMX).status_code == 404
    assert not HydrationLog.objects.exists()


def test_plus_one_glass_in_the_banner_logs_one_glass_for_that_reminder(
    owner_client: Client, owner: User, clock: Any
) -> None:
    due = occurrence(make_reminder(owner), T0 - dt.timedelta(minutes=1))
    url = reverse("reminder_due_act", args=[due.pk])
    response = owner_client.post(url)
    assert response["Location"] == "/hydration/"
    assert messages_of(response) == ["One glass logged."]
    again = owner_client.post(url, **HTMX)
    assert "That glass was already logged." in again.content.decode()
    log = HydrationLog.objects.get()
    assert (log.user, log.occurrence, log.glasses, log.at) == (owner, due, 1, T0)
    assert owner_client.get(reverse("reminders_due"), **HTMX).status_code == 204


def test_start_the_routine_in_the_banner_opens_the_routine(
    owner_client: Client, owner: User, desk: Routine, clock: Any
) -> None:
    due = occurrence(
        make_reminder(owner, kind=ReminderKind.STRETCH, routine=desk),
        T0 - dt.timedelta(minutes=1),
    )
    url = reverse("reminder_due_act", args=[due.pk])
    assert owner_client.post(url)["Location"] == desk.get_absolute_url()
    assert owner_client.post(url, **HTMX)["HX-Redirect"] == desk.get_absolute_url()
    assert owner_client.get(reverse("reminders_due"), **HTMX).status_code == 204
    assert not HydrationLog.objects.exists()


# Time zone at sign-up -----------------------------------------------------------------------


def signup(client: Client, **extra: str) -> HttpResponse:
    data = {
        "username": "cleo",
        "email": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }
    return client.post(reverse("signup"), data)


def test_signup_page_has_a_hidden_zone_field_filled_by_the_browser(client: Client) -> None:
    html = client.get(reverse("signup")).content.decode()
    assert re.search(r'<input type="hidden" name="timezone"[^>]*data-browser-timezone', html)
    assert '<script type="module" src="/static/js/timezone.js"></script>' in html


@pytest.mark.parametrize(
    ("sent", "saved"),
    [
        ({"timezone": "Asia/Kolkata"}, "Asia/Kolkata"),
        ({"timezone": "Australia/Lord_Howe"}, "Australia/Lord_Howe"),
        ({"timezone": "Mars/Olympus_Mons"}, "UTC"),
        ({"timezone": "x" * 300}, "UTC"),
        ({"timezone": ""}, "UTC"),
        ({}, "UTC"),
    ],
)
def test_signup_keeps_the_browsers_zone_or_falls_back_to_utc(
    client: Client, sent: dict[str, str], saved: str
) -> None:
    response = signup(client, **sent)
    assert response.status_code == 302
    user = User.objects.get(username="cleo")
    assert Profile.objects.get(user=user).timezone == saved


def test_the_other_schedules_leftover_values_are_ignored(
    owner_client: Client, owner: User, clock: Any
) -> None:
    data = form_data(schedule="fixed", fixed_times="09:00", interval_minutes="5", window_end="")
    assert owner_client.post(reverse("reminder_create"), data).status_code == 302
    data = form_data(fixed_times="noon, 25:00")
    assert owner_client.post(reverse("reminder_create"), data).status_code == 302
    fixed, interval = Reminder.objects.order_by("pk")
    assert fixed.fixed_times == ["09:00"]
    assert (fixed.interval_minutes, fixed.window_start) == (None, None)
    assert (interval.fixed_times, interval.interval_minutes) == ([], 120)


def test_the_form_marks_no_schedule_field_optional(owner_client: Client) -> None:
    html = owner_client.get(reverse("reminder_create")).content.decode()
    for name in ("interval_minutes", "window_start", "window_end", "fixed_times"):
        label = html.split(f'for="id_{name}">')[1].split("</label>")[0]
        assert "optional" not in label
    assert " required" not in html
