"""Public pages come from the page cache, and a content change shows at once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from routines.content.models import Routine, Step
from tests.factories import make_routine

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit hooks run as in production


def test_editing_a_routine_shows_on_its_page_at_once(client: Client) -> None:
    routine = make_routine("Calf stretch")
    assert "Calf stretch" in client.get(routine.get_absolute_url()).content.decode()
    routine.title = "Wall calf stretch"
    routine.save()
    assert "Wall calf stretch" in client.get(routine.get_absolute_url()).content.decode()


def test_editing_a_step_shows_on_the_library_time_at_once(client: Client) -> None:
    routine = make_routine("Calf stretch", steps=[{"duration_seconds": 60}])
    assert "1 min" in client.get(reverse("routine_list")).content.decode()
    step = Step.objects.get(routine=routine)
    step.duration_seconds = 300
    step.save()
    assert "5 min" in client.get(reverse("routine_list")).content.decode()


def test_unpublishing_from_the_admin_action_hides_the_routine_at_once(client: Client) -> None:
    routine = make_routine("Calf stretch")
    shown = client.get(routine.get_absolute_url())
    assert shown.status_code == 200
    assert "Calf stretch" in shown.content.decode()
    admin = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw")
    staff = Client()
    staff.force_login(admin)
    staff.post(
        reverse("admin:content_routine_changelist"),
        {"action": "unpublish", "_selected_action": [routine.pk]},
    )
    routine.refresh_from_db()
    assert routine.published is False
    hidden = client.get(routine.get_absolute_url())
    assert hidden.status_code == 404
    assert "Calf stretch" not in hidden.content.decode()


def test_a_change_that_sends_no_signal_shows_within_the_cache_lifetime(client: Client) -> None:
    routine = make_routine("Calf stretch")
    client.get(routine.get_absolute_url())
    Routine.objects.filter(pk=routine.pk).update(title="Renamed in the shell")  # no signals
    assert "Calf stretch" in client.get(routine.get_absolute_url()).content.decode()
    later = timezone.now() + dt.timedelta(seconds=settings.CONTENT_CACHE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        html = client.get(routine.get_absolute_url()).content.decode()
    assert "Renamed in the shell" in html


def test_a_signed_in_user_never_gets_the_guest_page(client: Client) -> None:
    routine = make_routine("Calf stretch")
    assert "Log in" in client.get(routine.get_absolute_url()).content.decode()
    client.force_login(get_user_model().objects.create_user("robin", password="pw"))
    html = client.get(routine.get_absolute_url()).content.decode()
    assert "Log out robin" in html
    assert "Calf stretch" in html


def test_a_cached_guest_page_runs_no_queries_and_keeps_its_status(client: Client) -> None:
    client.get(reverse("routine_list") + "?area=elbow")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("routine_list") + "?area=elbow")
    assert response.status_code == 400
    assert len(captured) == 0
    assert "There is no body area called" in response.content.decode()


def test_staff_always_see_fresh_content(client: Client) -> None:
    routine = make_routine("Calf stretch")
    staff = get_user_model().objects.create_user("ed", password="pw", is_staff=True)
    client.force_login(staff)
    client.get(routine.get_absolute_url())
    Routine.objects.filter(pk=routine.pk).update(title="Edited without a signal")
    assert "Edited without a signal" in client.get(routine.get_absolute_url()).content.decode()


def test_a_routine_page_with_a_start_form_is_each_guests_own_but_its_body_is_cached() -> None:
    """The Start form carries the visitor's CSRF token, so the whole page is never shared
    between guests; the routine itself still comes from the cache."""
    routine = make_routine("Bedtime stretch", purpose="prevention")
    first = Client().get(routine.get_absolute_url())
    with CaptureQueriesContext(connection) as captured:
        second = Client().get(routine.get_absolute_url())
    assert len(captured) == 0, [q["sql"] for q in captured.captured_queries]
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.content.decode()).group(1)
        for r in (first, second)
    ]
    assert tokens[0] != tokens[1]
    assert second.cookies["csrftoken"].value
    assert "Bedtime stretch" in second.content.decode()


def test_a_relief_routine_page_links_to_the_check_and_carries_no_token(
    client: Client,
) -> None:
    routine = make_routine("Calf relief", purpose="relief")
    client.get(routine.get_absolute_url())
    with CaptureQueriesContext(connection) as captured:
        html = Client().get(routine.get_absolute_url()).content.decode()
    assert len(captured) == 0
    assert f'href="{reverse("safety_check", args=[routine.slug])}"' in html
    assert "csrfmiddlewaretoken" not in html
