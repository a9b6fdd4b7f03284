"""What keeps the signed-in pages cheap to render, and still right for each person.

- The reminders page reverses each row URL once per page (words.pk_url) and loads only what
  the list shows of each reminder (ReminderQuerySet.for_list).
- Markup many people share is rendered once per process (CACHES "fragments", `{% cache %}` in
  the templates): the site header and footer links, the snooze buttons, an unbound settings
  form under the values it shows. The keys name everything the markup shows, so nothing stale
  or anyone else's appears; nothing with a CSRF token or a name in it is cached.

The suite never empties the fragments cache between tests: a key that missed something would
show up as another test's markup.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse, set_script_prefix

from routines.content.models import Purpose
from routines.reminders.hydration import day_label
from routines.reminders.models import Reminder, ReminderKind, ScheduleKind
from routines.reminders.words import pk_url

from .factories import make_routine
from .helpers.html import main_part, page_text, parse
from .helpers.people import make_user, signed_in
from .helpers.reminders import make_reminder

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
#: Monday 2 March 2026, 10:00 UTC.
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def forms_by_action(html: str) -> dict[str, dict[str, str | None]]:
    return {str(form.get("action")): form for form in parse(html).forms}


# Row URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reminder_toggle", "reminder_snooze", "reminder_edit"])
def test_a_url_reversed_once_is_the_same_as_reversing_each_pk(name: str) -> None:
    url = pk_url(name)

    for pk in (1, 7, 10, 987, 12_345_678):
        assert url(pk) == reverse(name, kwargs={"pk": pk})


def test_a_url_reversed_once_keeps_the_sites_path_prefix() -> None:
    set_script_prefix("/unknot/")
    try:
        url = pk_url("reminder_toggle")
        assert url(42) == "/unknot/reminders/42/toggle/" == reverse("reminder_toggle", args=[42])
    finally:
        set_script_prefix("/")


def test_every_row_acts_on_its_own_reminder() -> None:
    sam = make_user("sam", timezone="Europe/London")
    water = make_reminder(sam)
    off = make_reminder(sam, interval_minutes=60, enabled=False)

    html = signed_in(sam).get(reverse("reminders")).content.decode()

    forms = forms_by_action(html)
    for reminder in (water, off):
        toggle = forms[reverse("reminder_toggle", args=[reminder.pk])]
        assert toggle["hx-post"] == toggle["action"]
        assert toggle["hx-target"] == "closest li"  # the row itself: <li id="reminder-pk">
        state = "" if reminder.enabled else " is-off"
        assert f'<li class="card reminder{state}" id="reminder-{reminder.pk}">' in html
        assert reverse("reminder_edit", args=[reminder.pk]) in html
        delete = reverse("reminder_confirm_delete", args=[reminder.pk])
        assert f'href="{delete}" hx-get="{delete}" hx-target="#confirm-{reminder.pk}"' in html
    snooze = forms[reverse("reminder_snooze", args=[water.pk])]
    assert snooze["hx-post"] == snooze["action"] and snooze["hx-target"] == "closest li"
    # An off reminder cannot be snoozed, so it has no snooze form; it is turned back on.
    assert reverse("reminder_snooze", args=[off.pk]) not in forms
    assert 'name="enabled" value="1"' in html and 'name="enabled" value="0"' in html


def test_the_row_that_comes_back_from_a_toggle_has_its_own_urls() -> None:
    sam = make_user("sam", timezone="Europe/London")
    water = make_reminder(sam)

    response = signed_in(sam).post(
        reverse("reminder_toggle", args=[water.pk]), {"enabled": "0"}, **HTMX
    )

    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="card reminder is-off" id="reminder-{water.pk}"')
    assert reverse("reminder_toggle", args=[water.pk]) in forms_by_action(html)
    assert "Turn on" in page_text(html)


def test_stretch_reminders_show_their_routines_title_with_no_query_per_row(
    django_assert_num_queries: Any,
) -> None:
    sam = make_user("sam", timezone="Europe/London")
    for n in range(6):
        routine = make_routine(f"Stretch {n}", purpose=Purpose.PREVENTION)
        make_reminder(
            sam,
            kind=ReminderKind.STRETCH,
            routine=routine,
            schedule=ScheduleKind.FIXED,
            fixed_times=["08:00", "21:30"],
            interval_minutes=None,
            window_start=None,
            window_end=None,
        )
    client = signed_in(sam)

    with django_assert_num_queries(3):  # session, user with profile, the reminders
        response = client.get(reverse("reminders"))

    text = page_text(response.content.decode())
    for n in range(6):
        assert f"Stretch: Stretch {n}" in text
    assert "At 08:00 and 21:30, every day" in text


# The fragments cache: each person's own values ---------------------------------------------


def settings_input(html: str, name: str) -> dict[str, str | None]:
    return next(field for field in parse(html).inputs if field.get("name") == name)


def test_each_person_sees_their_own_hydration_settings_and_a_change_at_once() -> None:
    sam, robin = make_user("sam"), make_user("robin")
    sam_client, robin_client = signed_in(sam), signed_in(robin)
    robin_client.post(reverse("hydration_settings"), {"hydration_goal": "5"})

    sam_page = sam_client.get(reverse("hydration")).content.decode()
    robin_page = robin_client.get(reverse("hydration")).content.decode()
    sam_client.post(
        reverse("hydration_settings"), {"hydration_goal": "6", "fluid_restriction": "on"}
    )
    sam_after = sam_client.get(reverse("hydration")).content.decode()

    assert settings_input(sam_page, "hydration_goal")["value"] == "8"
    assert "checked" not in settings_input(sam_page, "fluid_restriction")
    assert settings_input(robin_page, "hydration_goal")["value"] == "5"
    assert settings_input(sam_after, "hydration_goal")["value"] == "6"
    assert "checked" in settings_input(sam_after, "fluid_restriction")
    assert "Log out sam" in page_text(sam_after) and "robin" not in page_text(sam_after)


def test_a_settings_form_with_a_mistake_shows_it_not_a_cached_form() -> None:
    sam = make_user("sam")
    client = signed_in(sam)
    client.get(reverse("hydration"))  # the unbound form, now cached

    response = client.post(reverse("hydration_settings"), {"hydration_goal": "99"})

    html = response.content.decode()
    assert response.status_code == 400
    assert settings_input(html, "hydration_goal")["value"] == "99"
    assert "Choose at most 30 glasses." in page_text(html)


def test_the_pause_date_starts_at_the_persons_today_every_day() -> None:
    sam = make_user("sam", timezone="Pacific/Auckland")  # 01:00 on Tuesday
    robin = make_user("robin", timezone="America/New_York")  # 07:00 on Monday
    pages = {}
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False) as clock:
        for user in (sam, robin):
            pages[user.username] = signed_in(user).get(reverse("reminders")).content.decode()
        clock.shift(dt.timedelta(days=1))
        pages["sam next day"] = signed_in(sam).get(reverse("reminders")).content.decode()

    assert settings_input(pages["sam"], "until")["min"] == "2026-03-03"
    assert settings_input(pages["robin"], "until")["min"] == "2026-03-02"
    assert settings_input(pages["sam next day"], "until")["min"] == "2026-03-04"


def test_a_pause_with_a_mistake_shows_it_in_the_form() -> None:
    sam = make_user("sam", timezone="Europe/London")
    client = signed_in(sam)
    client.get(reverse("reminders"))

    response = client.post(reverse("reminders_pause"), {"until": "2020-01-01"}, **HTMX)

    assert "That day has passed" in page_text(response.content.decode())
    assert settings_input(response.content.decode(), "until")["value"] == "2020-01-01"


def aria_current(html: str) -> list[str]:
    header = re.search(r"<header class=\"site-header\">.*?</header>", html, flags=re.S)
    assert header is not None
    return re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', header.group(0))


def test_the_header_marks_the_page_being_shown(client: Client) -> None:
    make_routine("Calf stretch")
    sam = signed_in(make_user("sam"))

    assert aria_current(client.get(reverse("routine_list")).content.decode()) == ["/routines/"]
    assert aria_current(client.get(reverse("learn_list")).content.decode()) == ["/learn/"]
    assert aria_current(sam.get(reverse("get_help")).content.decode()) == ["/help/"]
    assert aria_current(sam.get(reverse("reminders")).content.decode()) == []
    assert aria_current(client.get(reverse("home")).content.decode()) == []


def footer_links(html: str) -> list[str]:
    footer = re.search(r"<footer.*?</footer>", html, flags=re.S)
    assert footer is not None
    return [text for _, text in parse(footer.group(0)).links]


def test_the_footer_fits_whoever_is_looking_and_log_out_still_works(client: Client) -> None:
    sam, robin = make_user("sam"), make_user("robin")
    sam_client, robin_client = signed_in(sam), signed_in(robin)

    guest_footer = footer_links(client.get(reverse("about")).content.decode())
    sam_page = sam_client.get(reverse("about")).content.decode()
    robin_page = robin_client.get(reverse("about")).content.decode()
    sam_client.post(reverse("logout"))
    after = sam_client.get(reverse("reminders"))

    assert guest_footer[-2:] == ["Log in", "Sign up"]
    assert footer_links(sam_page)[-2:] == ["Reminders", "Account"]
    assert "Log out sam" in page_text(sam_page) and "Log out robin" in page_text(robin_page)
    assert reverse("logout") in forms_by_action(sam_page)
    assert after.status_code == 302 and after["Location"].startswith(reverse("login"))
    assert "Log in" in footer_links(sam_client.get(reverse("about")).content.decode())


# The week's labels ------------------------------------------------------------------------


def test_the_week_says_today_yesterday_then_the_short_date() -> None:
    today = dt.date(2026, 3, 3)  # a Tuesday

    labels = [day_label(today - dt.timedelta(days=n), today) for n in range(3)]

    assert labels == ["Today", "Yesterday", "Sun 1 Mar"]


def test_the_log_page_labels_the_week_newest_first() -> None:
    sam = make_user("sam", timezone="Europe/London")
    with time_machine.travel(T0, tick=False):
        html = main_part(signed_in(sam).get(reverse("hydration")).content.decode())

    labels = re.findall(r'<span class="week-date">([^<]+)</span>', html)
    assert labels == [
        "Today",
        "Yesterday",
        "Sat 28 Feb",
        "Fri 27 Feb",
        "Thu 26 Feb",
        "Wed 25 Feb",
        "Tue 24 Feb",
    ]


def test_reminders_list_loads_only_the_listed_fields() -> None:
    sam = make_user("sam")
    make_reminder(sam)

    reminder = Reminder.objects.filter(user=sam).for_list().get()

    assert reminder.get_deferred_fields() == {"user_id", "created", "updated"}
