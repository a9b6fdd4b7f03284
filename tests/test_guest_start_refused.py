"""A start refused for too many runs (429) still leads to the routine: its own page, where the
steps can be read and followed without the player, and for a relief routine the warning signs.

Guests behind one shared address (a household, an office, a mobile network's NAT) share the
hourly cap, so one may be refused for the others' starts; the answer must not be a dead end.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from routines.content.models import Purpose, Routine
from routines.player.models import Run

from .factories import make_routine
from .helpers.html import links, page_text
from .helpers.people import make_user, signed_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def prevention() -> Routine:
    return make_routine(
        "Bedtime stretch",
        purpose=Purpose.PREVENTION,
        steps=[{"title": "Wall stretch", "duration_seconds": 30}],
    )


@pytest.fixture
def relief() -> Routine:
    return make_routine(
        "Calf cramp relief",
        purpose=Purpose.RELIEF,
        steps=[{"title": "Pull the toes up", "duration_seconds": 30}],
    )


def start(client: Client, routine: Routine, **extra: Any) -> Any:
    data = {"safety": "clear"} if routine.purpose == Purpose.RELIEF else {}
    return client.post(reverse("start_run", args=[routine.slug]), data, **extra)


def refused_links(response: Any) -> list[tuple[str, str]]:
    """The 429 answer's links (href, text); after checking status and Retry-After."""
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    return links(response.content.decode())


def hrefs_of(found: list[tuple[str, str]]) -> list[str]:
    return [href for href, _ in found]


@override_settings(GUEST_RUNS_PER_IP_PER_HOUR=1, GUEST_RUNS_PER_SESSION_PER_HOUR=100)
def test_a_guest_refused_on_a_shared_network_is_led_to_the_routine_page(
    prevention: Routine,
) -> None:
    assert start(Client(), prevention).status_code == 303  # someone else on the network

    response = start(Client(), prevention)

    found = refused_links(response)
    assert (
        prevention.get_absolute_url(),
        "Read the steps of “Bedtime stretch” and follow them on your own",
    ) in found
    assert reverse("login") in hrefs_of(found)  # logging in still lifts the network's cap
    text = page_text(response.content.decode())
    assert "Too many routines started from this network" in text
    assert "warning signs" not in text  # for relief routines only
    assert Run.objects.count() == 1


@override_settings(GUEST_RUNS_PER_IP_PER_HOUR=1, GUEST_RUNS_PER_SESSION_PER_HOUR=100)
def test_the_htmx_answer_has_the_same_links_in_its_fragment(prevention: Routine) -> None:
    start(Client(), prevention)

    response = start(Client(), prevention, **HTMX)

    html = response.content.decode()
    assert "<html" not in html
    found = refused_links(response)
    assert prevention.get_absolute_url() in hrefs_of(found)
    assert reverse("login") in hrefs_of(found)
    assert 'role="alert"' in html


@override_settings(GUEST_RUNS_PER_IP_PER_HOUR=1, GUEST_RUNS_PER_SESSION_PER_HOUR=100)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_refused_relief_routine_also_offers_the_warning_signs(
    relief: Routine, htmx: bool
) -> None:
    start(Client(), relief)

    response = start(Client(), relief, **(HTMX if htmx else {}))

    found = refused_links(response)
    assert relief.get_absolute_url() in hrefs_of(found)
    assert (reverse("get_help"), "When a cramp needs a doctor: the warning signs") in found


@override_settings(GUEST_RUNS_PER_SESSION_PER_HOUR=1, GUEST_RUNS_PER_IP_PER_HOUR=100)
def test_the_browser_cap_leads_to_the_routine_too(prevention: Routine) -> None:
    client = Client()
    start(client, prevention)

    response = start(client, prevention)

    assert prevention.get_absolute_url() in hrefs_of(refused_links(response))
    assert "You have started 1 routines" in page_text(response.content.decode())


@override_settings(RUNS_PER_ACCOUNT_PER_HOUR=1)
def test_a_signed_in_person_over_their_cap_is_led_to_the_routine_without_a_log_in_link(
    prevention: Routine,
) -> None:
    sam = signed_in(make_user("sam"))
    start(sam, prevention)

    response = start(sam, prevention)

    found = refused_links(response)
    assert prevention.get_absolute_url() in hrefs_of(found)
    assert reverse("login") not in hrefs_of(found)


@override_settings(GUEST_RUNS_PER_IP_PER_HOUR=1, GUEST_RUNS_PER_SESSION_PER_HOUR=100)
def test_the_linked_page_shows_the_steps_without_starting_a_run(prevention: Routine) -> None:
    start(Client(), prevention)
    guest = Client()
    refused = start(guest, prevention)
    assert prevention.get_absolute_url() in hrefs_of(refused_links(refused))

    page = guest.get(prevention.get_absolute_url())

    assert page.status_code == 200
    assert "Wall stretch" in page_text(page.content.decode())
    assert Run.objects.count() == 1


def test_a_start_that_is_not_refused_is_unchanged(prevention: Routine) -> None:
    response = start(Client(), prevention)

    assert response.status_code == 303
    assert Run.objects.get().get_absolute_url() == response["Location"]
