"""The hydration log: "+1 glass" and undo, today's count in the person's own local day, the
last seven days, the goal and the fluid-limit switch, the home page card, and "Drank a glass"
from a notification (POST /hydration/drank/<token>/).

Time is frozen with time_machine; "today" is the local day of Profile.timezone.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse

from routines.accounts.models import Profile
from routines.reminders.models import HydrationLog, Occurrence, Reminder, ReminderKind, ScheduleKind
from routines.reminders.tokens import drank_token
from routines.reminders.views.hydration import hydration_summary

from .helpers.html import main_part, main_text, messages_of, page_text
from .helpers.reminders import make_occurrence

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
BERLIN = ZoneInfo("Europe/Berlin")
#: Tuesday 3 June 2025, 10:00 in Berlin (08:00 UTC): now, for the `clock` fixture.
T0 = dt.datetime(2025, 6, 3, 10, 0, tzinfo=BERLIN)


def log(user: AbstractBaseUser, at: dt.datetime, glasses: int = 1) -> HydrationLog:
    return HydrationLog.objects.create(user=user, at=at, glasses=glasses)


def today_count(user: AbstractBaseUser) -> int:
    from django.utils import timezone

    return hydration_summary(user, Profile.for_user(user), timezone.now()).today.glasses


# +1 glass and undo ------------------------------------------------------------------------


@pytest.mark.usefixtures("clock")
def test_one_glass_is_logged_now_and_a_plain_post_returns_to_the_log(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    response = client_sam.post(reverse("hydration_add"), {"from": "log"})
    assert response.status_code == 302
    assert response["Location"] == reverse("hydration")
    entry = HydrationLog.objects.get()
    assert (entry.user, entry.at, entry.glasses, entry.occurrence) == (sam, T0, 1, None)
    assert messages_of(response) == ["1 glass so far today."]


@pytest.mark.usefixtures("clock")
def test_a_glass_from_the_home_page_returns_home(client_sam: Client) -> None:
    response = client_sam.post(reverse("hydration_add"), {"from": "home"})
    assert response["Location"] == reverse("home")


@pytest.mark.usefixtures("clock")
def test_an_unknown_origin_never_redirects_elsewhere(client_sam: Client) -> None:
    response = client_sam.post(reverse("hydration_add"), {"from": "https://evil.example"})
    assert response["Location"] == reverse("hydration")


@pytest.mark.usefixtures("clock")
def test_with_htmx_a_glass_returns_the_new_progress_and_the_week_out_of_band(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    log(sam, T0 - dt.timedelta(hours=2), glasses=2)
    response = client_sam.post(reverse("hydration_add"), {"from": "log"}, **HTMX)
    html = response.content.decode()
    progress, _, week = html.partition('<ol class="hydration-week"')
    assert "3 of 8 glasses today" in page_text(progress)
    assert '<progress class="hydration-bar" max="8" value="3"' in progress
    assert 'hx-swap-oob="true"' in week
    assert "Today 3 of 8" in page_text(week)
    assert "<main" not in html


@pytest.mark.usefixtures("clock")
def test_with_htmx_from_home_a_glass_returns_only_the_progress(client_sam: Client) -> None:
    html = client_sam.post(reverse("hydration_add"), {"from": "home"}, **HTMX).content.decode()
    assert "1 of 8 glasses today" in page_text(html)
    assert "hydration-week" not in html


@pytest.mark.usefixtures("clock")
def test_reaching_the_goal_says_so_without_asking_for_more(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    log(sam, T0 - dt.timedelta(hours=1), glasses=7)
    html = client_sam.post(reverse("hydration_add"), {"from": "home"}, **HTMX).content.decode()
    assert "8 of 8 glasses today" in page_text(html)
    assert "reached today's goal" in page_text(html)
    assert "drink when you are thirsty" in page_text(html)


@pytest.mark.usefixtures("clock")
def test_undo_takes_back_the_latest_glass_of_today(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    first = log(sam, T0 - dt.timedelta(hours=2))
    log(sam, T0 - dt.timedelta(hours=1))
    response = client_sam.post(reverse("hydration_undo"), {"from": "log"})
    assert response["Location"] == reverse("hydration")
    assert list(HydrationLog.objects.all()) == [first]
    assert messages_of(response) == ["Took back one glass."]


@pytest.mark.usefixtures("clock")
def test_undo_of_a_multi_glass_entry_takes_back_one_glass(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    entry = log(sam, T0 - dt.timedelta(hours=1), glasses=3)
    html = client_sam.post(reverse("hydration_undo"), {"from": "log"}, **HTMX).content.decode()
    entry.refresh_from_db()
    assert entry.glasses == 2
    assert "2 of 8 glasses today" in page_text(html)
    assert "Took back one glass." in page_text(html)


@pytest.mark.usefixtures("clock")
def test_undo_never_reaches_back_into_yesterday(client_sam: Client, sam: AbstractBaseUser) -> None:
    # 23:50 in Berlin yesterday: the local day before, though the same UTC day as 00:10 UTC.
    yesterday = log(sam, dt.datetime(2025, 6, 2, 23, 50, tzinfo=BERLIN))
    html = client_sam.post(reverse("hydration_undo"), {"from": "log"}, **HTMX).content.decode()
    assert HydrationLog.objects.filter(pk=yesterday.pk).exists()
    assert "There is no glass to take back today." in page_text(html)
    assert "0 of 8 glasses today" in page_text(html)


def test_undo_with_nothing_logged_says_so(client_sam: Client) -> None:
    response = client_sam.post(reverse("hydration_undo"))
    assert messages_of(response) == ["There is no glass to take back today."]


@pytest.mark.usefixtures("clock")
def test_undo_leaves_other_peoples_glasses_alone(
    client_sam: Client, robin: AbstractBaseUser
) -> None:
    theirs = log(robin, T0 - dt.timedelta(minutes=5))
    client_sam.post(reverse("hydration_undo"))
    assert HydrationLog.objects.filter(pk=theirs.pk).exists()


def test_a_guest_is_sent_to_log_in_for_settings_and_nothing_changes(client: Client) -> None:
    # A guest's glasses are in tests/test_guest_hydration.py.
    response = client.post(reverse("hydration_settings"), {"hydration_goal": 5})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not HydrationLog.objects.exists()
    assert not Profile.objects.exists()


@pytest.mark.parametrize("name", ["hydration_add", "hydration_undo", "hydration_settings"])
def test_changes_take_only_post(client_sam: Client, name: str) -> None:
    assert client_sam.get(reverse(name)).status_code == 405
    assert not HydrationLog.objects.exists()


# The local day and the week -----------------------------------------------------------------


def test_today_is_the_persons_local_day_not_the_servers(sam: AbstractBaseUser) -> None:
    profile = Profile.for_user(sam)
    profile.timezone = "Pacific/Auckland"  # UTC+12 in June
    profile.save()
    auckland = ZoneInfo("Pacific/Auckland")
    log(sam, dt.datetime(2025, 6, 3, 23, 59, tzinfo=auckland))  # last minute of the 3rd
    log(sam, dt.datetime(2025, 6, 4, 0, 1, tzinfo=auckland))  # first minutes of the 4th
    log(sam, dt.datetime(2025, 6, 4, 0, 2, tzinfo=auckland))
    # 00:30 on the 4th in Auckland is still 12:30 on the 3rd in UTC.
    with time_machine.travel(dt.datetime(2025, 6, 4, 0, 30, tzinfo=auckland), tick=False):
        assert today_count(sam) == 2
    # Just before local midnight, the two later glasses are tomorrow's.
    with time_machine.travel(dt.datetime(2025, 6, 3, 23, 59, 30, tzinfo=auckland), tick=False):
        assert today_count(sam) == 1


def test_a_day_that_loses_an_hour_to_summer_time_counts_its_own_glasses(
    sam: AbstractBaseUser,
) -> None:
    # Berlin, Sunday 30 March 2025: clocks go from 02:00 to 03:00, a 23-hour day.
    log(sam, dt.datetime(2025, 3, 29, 23, 30, tzinfo=BERLIN))  # Saturday
    log(sam, dt.datetime(2025, 3, 30, 0, 30, tzinfo=BERLIN))
    log(sam, dt.datetime(2025, 3, 30, 23, 30, tzinfo=BERLIN))
    log(sam, dt.datetime(2025, 3, 31, 0, 5, tzinfo=BERLIN))  # Monday
    with time_machine.travel(dt.datetime(2025, 3, 30, 23, 45, tzinfo=BERLIN), tick=False):
        summary = hydration_summary(sam, Profile.for_user(sam), dt.datetime.now(dt.UTC))
    assert [(d.date.day, d.glasses) for d in summary.week[-2:]] == [(29, 1), (30, 2)]


@pytest.mark.usefixtures("clock")
def test_the_week_has_seven_local_days_ending_today(sam: AbstractBaseUser) -> None:
    log(sam, dt.datetime(2025, 5, 27, 23, 0, tzinfo=BERLIN))  # eight days ago: left out
    log(sam, dt.datetime(2025, 5, 28, 0, 30, tzinfo=BERLIN), glasses=2)  # six days ago
    log(sam, dt.datetime(2025, 6, 1, 12, 0, tzinfo=BERLIN), glasses=9)
    log(sam, dt.datetime(2025, 6, 3, 9, 0, tzinfo=BERLIN))
    summary = hydration_summary(sam, Profile.for_user(sam), dt.datetime.now(dt.UTC))
    assert [(d.date.isoformat(), d.glasses) for d in summary.week] == [
        ("2025-05-28", 2),
        ("2025-05-29", 0),
        ("2025-05-30", 0),
        ("2025-05-31", 0),
        ("2025-06-01", 9),
        ("2025-06-02", 0),
        ("2025-06-03", 1),
    ]
    assert summary.today.glasses == 1
    assert [d.goal_met for d in summary.week] == [False] * 4 + [True, False, False]


@pytest.mark.usefixtures("clock")
def test_the_log_page_lists_the_week_newest_first_with_counts_against_the_goal(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    log(sam, dt.datetime(2025, 6, 2, 18, 0, tzinfo=BERLIN), glasses=5)
    log(sam, dt.datetime(2025, 5, 31, 18, 0, tzinfo=BERLIN), glasses=8)
    response = client_sam.get(reverse("hydration"))
    html = response.content.decode()
    week = html.split('<ol class="hydration-week"', 1)[1].split("</ol>", 1)[0]
    assert re.findall(r'<span class="week-date">([^<]+)</span>', week) == [
        "Today",
        "Yesterday",
        "Sun 1 Jun",
        "Sat 31 May",
        "Fri 30 May",
        "Thu 29 May",
        "Wed 28 May",
    ]
    text = page_text(week)
    assert "Yesterday 5 of 8" in text
    assert "Sat 31 May 8 of 8 , goal reached" in text
    assert week.count("<progress") == 7
    assert ' style="' not in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_an_unknown_stored_zone_falls_back_to_utc(sam: AbstractBaseUser) -> None:
    Profile.objects.filter(user=sam).update(timezone="Mars/Olympus_Mons")
    log(sam, dt.datetime(2025, 6, 3, 0, 30, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2025, 6, 3, 12, 0, tzinfo=dt.UTC), tick=False):
        assert today_count(sam) == 1


# The goal and the fluid limit ---------------------------------------------------------------


def test_the_default_goal_is_eight_glasses(client: Client, robin: AbstractBaseUser) -> None:
    client.force_login(robin)
    assert "0 of 8 glasses today" in main_text(client.get(reverse("hydration")))


def test_saving_a_new_goal(client_sam: Client, sam: AbstractBaseUser) -> None:
    response = client_sam.post(reverse("hydration_settings"), {"hydration_goal": "6"})
    assert response["Location"] == reverse("hydration")
    assert messages_of(response) == ["Saved. Your daily goal is 6 glasses."]
    profile = Profile.for_user(sam)
    assert (profile.hydration_goal, profile.fluid_restriction) == (6, False)
    assert "0 of 6 glasses today" in main_text(client_sam.get(reverse("hydration")))


@pytest.mark.parametrize(
    ("goal", "error"),
    [
        ("0", "Choose at least 1 glass."),
        ("31", "Choose at most 30 glasses."),
        ("-2", "Choose at least 1 glass."),
        ("six", "Enter a whole number of glasses."),
        ("2.5", "Enter a whole number of glasses."),
        ("", "Enter how many glasses a day you are aiming for."),
    ],
)
def test_a_goal_outside_1_to_30_is_refused_and_nothing_is_saved(
    client_sam: Client, sam: AbstractBaseUser, goal: str, error: str
) -> None:
    response = client_sam.post(
        reverse("hydration_settings"), {"hydration_goal": goal, "fluid_restriction": "on"}
    )
    assert response.status_code == 400
    assert error in main_text(response)
    assert 'aria-invalid="true"' in response.content.decode()
    profile = Profile.for_user(sam)
    assert (profile.hydration_goal, profile.fluid_restriction) == (8, False)


@pytest.mark.usefixtures("clock")
def test_a_fluid_limit_removes_every_target_but_keeps_counting(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    response = client_sam.post(
        reverse("hydration_settings"), {"hydration_goal": "8", "fluid_restriction": "on"}
    )
    assert messages_of(response) == [
        "Saved. Unknot will show no goal; keep to your care team's advice."
    ]
    log(sam, T0 - dt.timedelta(hours=1), glasses=9)
    log(sam, T0 - dt.timedelta(days=1))
    page = client_sam.get(reverse("hydration"))
    main = main_part(page.content.decode())
    text = page_text(main)
    assert "9 glasses today" in text
    assert "No target" in text
    assert "Follow your doctor's or nurse's advice" in text
    assert "Yesterday 1 glass" in text
    assert " of 8" not in text
    assert "goal reached" not in text and "reached today's goal" not in text
    assert "pale straw" not in text  # no advice to drink more
    assert "<progress" not in main
    added = client_sam.post(reverse("hydration_add"), {"from": "log"}, **HTMX)
    assert "10 glasses today" in page_text(added.content.decode())
    assert "<progress" not in added.content.decode()
    assert today_count(sam) == 10


# The home page ------------------------------------------------------------------------------


@pytest.mark.usefixtures("clock")
def test_home_shows_a_signed_in_person_their_progress_and_a_glass_button(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    log(sam, T0 - dt.timedelta(hours=1), glasses=3)
    html = client_sam.get(reverse("home")).content.decode()
    card = html.split('<section class="section hydration-card"', 1)[1].split("</section>", 1)[0]
    assert "3 of 8 glasses today" in page_text(card)
    assert f'hx-post="{reverse("hydration_add")}"' in card
    assert 'name="from" value="home"' in card
    assert "+1 glass" in card
    assert "csrfmiddlewaretoken" in card


@pytest.mark.usefixtures("clock")
def test_home_under_a_fluid_limit_offers_the_button_without_a_target(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    Profile.objects.filter(user=sam).update(fluid_restriction=True)
    log(sam, T0 - dt.timedelta(hours=1), glasses=3)
    html = client_sam.get(reverse("home")).content.decode()
    card = html.split('<section class="section hydration-card"', 1)[1].split("</section>", 1)[0]
    assert "3 glasses today" in page_text(card)
    assert " of 8" not in page_text(card)
    assert "<progress" not in card
    assert "+1 glass" in card


@pytest.mark.usefixtures("clock")
def test_home_cards_are_per_person_even_with_the_page_cache(
    client_sam: Client, robin: AbstractBaseUser
) -> None:
    client_sam.post(reverse("hydration_add"), {"from": "home"})
    assert "1 of 8 glasses today" in main_text(client_sam.get(reverse("home")))
    other = Client()
    other.force_login(robin)
    assert "0 of 8 glasses today" in main_text(other.get(reverse("home")))


# "Drank a glass" from a notification --------------------------------------------------------


def drank_url(occurrence: Occurrence) -> str:
    return reverse("hydration_drank", args=[drank_token(occurrence)])


@pytest.mark.usefixtures("clock")
def test_drank_logs_one_glass_for_the_reminders_owner_without_a_session_or_csrf(
    sam: AbstractBaseUser,
) -> None:
    occurrence = make_occurrence(sam)
    service_worker = Client(enforce_csrf_checks=True)  # no cookies, no token: like the SW
    response = service_worker.post(drank_url(occurrence))
    assert response.status_code == 204
    entry = HydrationLog.objects.get()
    assert (entry.user, entry.occurrence, entry.glasses, entry.at) == (sam, occurrence, 1, T0)


@pytest.mark.usefixtures("clock")
def test_a_second_tap_on_drank_logs_nothing_more(sam: AbstractBaseUser) -> None:
    occurrence = make_occurrence(sam)
    client = Client(enforce_csrf_checks=True)
    assert client.post(drank_url(occurrence)).status_code == 204
    assert client.post(drank_url(occurrence)).status_code == 204
    assert HydrationLog.objects.count() == 1
    assert today_count(sam) == 1


@pytest.mark.usefixtures("clock")
def test_a_token_logs_only_against_its_own_occurrence(
    sam: AbstractBaseUser, robin: AbstractBaseUser
) -> None:
    mine = make_occurrence(sam)
    theirs = make_occurrence(robin)
    Client().post(drank_url(mine))
    Client().post(drank_url(mine))
    assert list(HydrationLog.objects.values_list("user__username", "occurrence")) == [
        ("sam", mine.pk)
    ]
    Client().post(drank_url(theirs))
    assert HydrationLog.objects.get(occurrence=theirs).user == robin
    assert HydrationLog.objects.count() == 2


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize(
    "token",
    ["nonsense", "1:abc:def", "MQ:1tQx2Y:forged-signature-000000000000000000000"],
)
def test_a_bad_drank_token_is_refused_with_a_message(sam: AbstractBaseUser, token: str) -> None:
    make_occurrence(sam)
    response = Client().post(reverse("hydration_drank", args=[token]))
    assert response.status_code == 400
    assert "expired or is not valid" in response.content.decode()
    assert not HydrationLog.objects.exists()


def test_an_expired_drank_token_is_refused(sam: AbstractBaseUser) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        occurrence = make_occurrence(sam)
        url = drank_url(occurrence)
        traveller.shift(dt.timedelta(days=3))
        assert Client().post(url).status_code == 400
    assert not HydrationLog.objects.exists()


@pytest.mark.usefixtures("clock")
def test_a_stretch_reminders_token_logs_no_glass(sam: AbstractBaseUser) -> None:
    stretch = make_occurrence(sam, kind=ReminderKind.STRETCH)
    assert Client().post(drank_url(stretch)).status_code == 400
    assert not HydrationLog.objects.exists()


@pytest.mark.usefixtures("clock")
def test_drank_takes_only_post(sam: AbstractBaseUser) -> None:
    occurrence = make_occurrence(sam)
    assert Client().get(drank_url(occurrence)).status_code == 405
    assert not HydrationLog.objects.exists()


def test_the_drank_token_is_a_single_path_segment(sam: AbstractBaseUser) -> None:
    occurrence = make_occurrence(sam)
    url = drank_url(occurrence)
    assert url.startswith("/hydration/drank/") and url.endswith("/")
    assert url.count("/") == 4


@pytest.mark.django_db
def test_a_fluid_restriction_stops_hydration_reminders_but_not_stretches(client: Client) -> None:
    """A nudge to drink would contradict a clinician's fluid limit; stretch reminders go on."""
    from routines.reminders.models import ReminderKind

    user = get_user_model().objects.create_user("fluid", password="pw")
    client.force_login(user)
    common = {"schedule": ScheduleKind.FIXED, "fixed_times": ["10:00"], "weekdays": 0b1111111}
    drink = Reminder.objects.create(user=user, kind=ReminderKind.HYDRATION, **common)
    stretch = Reminder.objects.create(user=user, kind=ReminderKind.STRETCH, **common)

    client.post(reverse("hydration_settings"), {"hydration_goal": 8, "fluid_restriction": "on"})
    drink.refresh_from_db()
    stretch.refresh_from_db()
    assert drink.next_fire_at is None
    assert stretch.next_fire_at is not None

    client.post(reverse("hydration_settings"), {"hydration_goal": 8})
    drink.refresh_from_db()
    assert drink.next_fire_at is not None
