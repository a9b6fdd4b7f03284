"""A guest's glasses: "+1 glass" and undo without an account, kept in the session (this device
only, capped), counted on the guest's own local day, and moved to the account when they sign up
or log in. The home page shows the card, with "+1 glass", right under "Cramp now".

Time is frozen with time_machine (the `clock` fixture, at T0).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse

from routines.accounts.zones import GUEST_ZONE
from routines.reminders.hydration import GUEST_GLASSES, MAX_GUEST_GLASSES
from routines.reminders.models import HydrationLog

from .helpers.html import main_part, main_text, messages_of, page_text
from .helpers.people import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

HTMX = {"HTTP_HX_REQUEST": "true"}
NEW_YORK = ZoneInfo("America/New_York")
#: Tuesday 3 June 2025, 21:00 in New York (01:00 UTC on the 4th): the guest's evening.
T0 = dt.datetime(2025, 6, 3, 21, 0, tzinfo=NEW_YORK)


def add(client: Client, **data: str) -> object:
    return client.post(reverse("hydration_add"), {"from": "home", **data})


def stored(client: Client) -> list[float]:
    return list(client.session.get(GUEST_GLASSES, []))


def home_card(client: Client) -> str:
    html = main_part(client.get(reverse("home")).content.decode())
    return html.split('<section class="section hydration-card"', 1)[1].split("</section>", 1)[0]


# +1 glass and undo, plain and htmx ---------------------------------------------------------


def test_a_guest_logs_a_glass_in_their_session_and_returns_home(client: Client) -> None:
    response = add(client)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert messages_of(response) == ["1 glass so far today."]
    assert len(stored(client)) == 1
    assert not HydrationLog.objects.exists(), "a guest's glass is not a row for anyone"


def test_with_htmx_a_guests_glass_returns_the_new_count_only(client: Client) -> None:
    add(client)
    response = client.post(reverse("hydration_add"), {"from": "home"}, **HTMX)
    assert response.status_code == 200
    text = page_text(response.content.decode())
    assert "2 glasses today" in text
    assert "Kept on this phone" in text
    assert "<html" not in response.content.decode()
    assert " of 8" not in text, "a guest is set no goal: Unknot cannot know about a fluid limit"


def test_the_guest_home_page_shows_the_card_with_the_button_right_under_cramp_now(
    client: Client,
) -> None:
    add(client)
    html = main_part(client.get(reverse("home")).content.decode())
    hero = html.index('class="cramp-now"')
    card = html.index('class="section hydration-card"')
    prevention = html.index('id="prevention-title"')
    assert hero < card < prevention
    assert "1 glass today" in page_text(home_card(client))
    assert ">+1 glass</button>" in home_card(client)


def test_guests_each_see_only_their_own_glasses(client: Client) -> None:
    add(client)
    add(client)
    other = Client()
    assert "0 glasses today" in page_text(home_card(other))
    assert "2 glasses today" in page_text(home_card(client))


def test_a_guests_log_page_shows_the_week_and_asks_them_to_sign_up_to_keep_it(
    client: Client,
) -> None:
    add(client)
    response = client.get(reverse("hydration"))
    assert response.status_code == 200
    text = main_text(response)
    assert "1 glass today" in text
    assert "Last seven days" in text and "Today 1 glass" in text
    assert "Sign up" in text and "kept on this phone only" in text
    assert 'action="/hydration/settings/"' not in response.content.decode()


def test_a_guests_undo_takes_back_the_last_glass_of_today(client: Client) -> None:
    add(client)
    add(client)
    response = client.post(reverse("hydration_undo"), {"from": "log"}, **HTMX)
    assert "1 glass today" in page_text(response.content.decode())
    assert "Took back one glass." in page_text(response.content.decode())
    assert len(stored(client)) == 1


def test_a_guests_undo_with_nothing_today_says_so_and_changes_nothing(
    client: Client, clock
) -> None:
    add(client, timezone="America/New_York")
    clock.shift(dt.timedelta(hours=4))  # 01:00 the next local day
    response = client.post(reverse("hydration_undo"), {"from": "log"})
    assert response.status_code == 302 and response["Location"] == reverse("hydration")
    assert messages_of(response)[-1] == "There is no glass to take back today."
    assert len(stored(client)) == 1


def test_a_guests_today_is_their_browsers_local_day(client: Client, clock) -> None:
    # 21:00 in New York is already tomorrow in UTC: with the browser's zone the glass is today.
    add(client, timezone="America/New_York")
    assert client.session[GUEST_ZONE] == "America/New_York"
    clock.shift(dt.timedelta(hours=2))  # 23:00 in New York, 03:00 UTC
    assert "1 glass today" in page_text(home_card(client))
    clock.shift(dt.timedelta(hours=2))  # 01:00 in New York: a new day
    assert "0 glasses today" in page_text(home_card(client))


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "x" * 500, "../../etc/passwd"])
def test_an_unknown_browser_zone_is_ignored_and_the_glass_still_counts(
    client: Client, zone: str
) -> None:
    response = add(client, timezone=zone)
    assert response.status_code == 302
    assert GUEST_ZONE not in client.session
    assert len(stored(client)) == 1


def test_a_guests_session_keeps_at_most_the_cap_dropping_the_oldest(client: Client, clock) -> None:
    for _ in range(MAX_GUEST_GLASSES + 3):
        add(client)
        clock.shift(1)
    times = stored(client)
    assert len(times) == MAX_GUEST_GLASSES
    assert times[0] == (T0 + dt.timedelta(seconds=3)).timestamp(), "the oldest went first"


def test_glasses_older_than_a_week_are_forgotten(client: Client, clock) -> None:
    add(client)
    clock.shift(dt.timedelta(days=8))
    add(client)
    assert len(stored(client)) == 1


def test_a_tampered_session_list_counts_nothing_and_breaks_nothing(client: Client) -> None:
    session = client.session
    session[GUEST_GLASSES] = "lots"
    session.save()
    assert "0 glasses today" in page_text(home_card(client))
    add(client)
    assert len(stored(client)) == 1


def test_a_guests_glass_needs_post_and_a_csrf_token() -> None:
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(reverse("hydration_add")).status_code == 405
    assert browser.post(reverse("hydration_add"), {"from": "home"}).status_code == 403
    assert GUEST_GLASSES not in browser.session


def test_a_guest_still_cannot_change_hydration_settings(client: Client) -> None:
    response = client.post(reverse("hydration_settings"), {"hydration_goal": 3})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# Moved to the account ----------------------------------------------------------------------


def test_a_guests_glasses_become_the_new_accounts_on_sign_up(client: Client) -> None:
    add(client)
    add(client)
    response = client.post(
        reverse("signup"),
        {"username": "newcomer", "email": "", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    logs = HydrationLog.objects.filter(user__username="newcomer")
    assert logs.count() == 2 and {log.at for log in logs} == {T0}
    assert GUEST_GLASSES not in client.session
    assert "2 of 8 glasses today" in page_text(home_card(client))


def test_a_guests_glasses_become_theirs_on_log_in_and_no_one_elses(
    client: Client, sam: AbstractBaseUser, robin: AbstractBaseUser
) -> None:
    add(client)
    other_guest = Client()
    add(other_guest)
    response = client.post(reverse("login"), {"username": "sam", "password": PASSWORD})
    assert response.status_code == 302
    assert HydrationLog.objects.filter(user=sam).count() == 1
    assert not HydrationLog.objects.filter(user=robin).exists()
    assert len(stored(other_guest)) == 1, "another guest's glasses stay in their session"
    # Logging in again later moves nothing twice.
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "sam", "password": PASSWORD})
    assert HydrationLog.objects.filter(user=sam).count() == 1
