"""Signed-in pages run a small, fixed number of queries, however much the person has, and
logging out (anywhere) still takes effect on the next request: the session is checked each time.

The public part of a page comes from the page cache (routines/content/caching.py); the
signed-in user is loaded with their Profile in one query (routines/accounts/backends.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from routines.accounts.models import Profile
from routines.content.models import Purpose
from routines.player.models import Run
from routines.reminders.models import HydrationLog
from tests.factories import make_article, make_routine
from tests.helpers.people import make_user, signed_in
from tests.helpers.reminders import make_reminder

pytestmark = pytest.mark.django_db

#: Queries per page for a signed-in person, with the public part cached: the session, the user
#: with their profile, then what the page shows of theirs.
QUERIES = {
    "home": 4,  # + the five latest runs, today's glasses
    "routine": 2,
    "library": 2,
    "learn": 2,
    "reminders": 3,  # + the reminders
    "hydration": 3,  # + the week's glasses
}


@pytest.fixture
def site() -> dict[str, str]:
    routine = make_routine("Calf stretch", purpose=Purpose.PREVENTION, steps=[{"reps": 10}])
    article = make_article("Why cramps happen", slug="why-cramps")
    return {
        "home": reverse("home"),
        "routine": routine.get_absolute_url(),
        "library": reverse("routine_list"),
        "learn": article.get_absolute_url(),
        "reminders": reverse("reminders"),
        "hydration": reverse("hydration"),
        "slug": routine.slug,
    }


def _give_history(user: Any, size: int, routine_slug: str) -> None:
    from routines.content.models import Routine

    routine = Routine.objects.get(slug=routine_slug)
    now = timezone.now()
    for n in range(size):
        make_reminder(user, interval_minutes=60 + n)
        HydrationLog.objects.create(user=user, at=now - dt.timedelta(minutes=n), glasses=1)
        Run.begin(routine, user=user, lead_in=False, now=now - dt.timedelta(minutes=n))


@pytest.mark.parametrize("page_name", list(QUERIES))
def test_a_signed_in_page_runs_a_fixed_number_of_queries(
    site: dict[str, str], page_name: str, django_assert_num_queries: Any
) -> None:
    for size, name in ((1, "sam"), (12, "robin")):
        user = make_user(name, timezone="Europe/Berlin")
        _give_history(user, size, site["slug"])
        client = signed_in(user)
        assert client.get(site[page_name]).status_code == 200  # fills the page cache
        with django_assert_num_queries(QUERIES[page_name]):
            response = client.get(site[page_name])
        assert response.status_code == 200
        assert f"Log out {name}" in response.content.decode()


def test_the_home_page_shows_the_persons_own_glasses_and_runs(site: dict[str, str]) -> None:
    sam = make_user("sam", timezone="Europe/Berlin")
    _give_history(sam, 3, site["slug"])
    robin = make_user("robin", timezone="UTC")
    client = signed_in(sam)
    client.get(site["home"])
    html = client.get(site["home"]).content.decode()
    assert "Your recent routines" in html
    assert "Resume Calf stretch" in html
    other = signed_in(robin).get(site["home"]).content.decode()
    assert "Your recent routines" not in other
    assert "Log out robin" in other


def test_the_profile_comes_with_the_user_and_a_change_shows_on_the_next_request(
    site: dict[str, str],
) -> None:
    sam = make_user("sam", timezone="Europe/Berlin")
    client = signed_in(sam)
    assert "</strong> of 8 glasses today" in client.get(site["hydration"]).content.decode()
    Profile.objects.filter(user=sam).update(hydration_goal=5)
    html = client.get(site["hydration"]).content.decode()
    assert "</strong> of 5 glasses today" in html


def test_a_person_without_a_profile_gets_one_with_the_defaults(site: dict[str, str]) -> None:
    robin = make_user("robin")
    assert not Profile.objects.filter(user=robin).exists()
    response = signed_in(robin).get(site["reminders"])
    assert response.status_code == 200
    assert Profile.objects.get(user=robin).timezone == "UTC"


@pytest.mark.parametrize("page_name", list(QUERIES))
def test_logging_out_elsewhere_ends_the_session_on_the_next_request(
    site: dict[str, str], page_name: str
) -> None:
    sam = make_user("sam", timezone="Europe/Berlin")
    client = signed_in(sam)
    assert "Log out sam" in client.get(site[page_name]).content.decode()
    # Logged out in another tab: the session row is gone.
    other = Client()
    other.cookies = client.cookies
    other.post(reverse("logout"))
    assert not Session.objects.exists()
    response = client.get(site[page_name])
    assert "Log out sam" not in response.content.decode()
    if page_name == "reminders":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif page_name == "hydration":
        # The drinks page is open to guests: it now shows a guest's count, not Sam's.
        assert "Kept on this phone" in response.content.decode()


def test_a_changed_password_ends_other_sessions(site: dict[str, str]) -> None:
    sam = make_user("sam", timezone="Europe/Berlin")
    client = signed_in(sam)
    client.get(site["home"])
    sam.set_password("another-Harbour-91")
    sam.save()
    assert "Log out sam" not in client.get(site["home"]).content.decode()
