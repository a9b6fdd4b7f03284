"""A guest's "Last seven days" on the Drinks page names each day, as a signed-in person's does
(the screenshots of the issue 9 audit showed seven "0 glasses" rows with no day beside them).
Both weeks are made by hydration.week_days."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from .helpers.html import page_text
from .helpers.people import make_user, signed_in

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
T0 = dt.datetime(2026, 12, 1, 20, 0, tzinfo=LONDON)  # a Tuesday
LABELS = [
    "Today",
    "Yesterday",
    "Sun 29 Nov",
    "Sat 28 Nov",
    "Fri 27 Nov",
    "Thu 26 Nov",
    "Wed 25 Nov",
]


def week_rows(html: str) -> list[str]:
    week = re.search(r'<ol class="hydration-week".*?</ol>', html, re.S)
    assert week
    return [page_text(li) for li in re.findall(r"<li.*?</li>", week.group(0), re.S)]


@pytest.mark.parametrize("htmx", [False, True])
def test_a_guests_week_names_each_day(
    client: Client, clock: time_machine.Coordinates, htmx: bool
) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    client.post(reverse("hydration_add"), {"timezone": "Europe/London"}, headers=headers)
    client.post(reverse("hydration_add"), {"timezone": "Europe/London"}, headers=headers)

    rows = week_rows(client.get(reverse("hydration")).content.decode())

    assert [row.split(" ")[0] for row in rows] == [label.split(" ")[0] for label in LABELS]
    assert rows[0] == "Today 2 glasses"
    assert rows[2] == "Sun 29 Nov 0 glasses"


def test_a_guest_and_a_person_see_the_same_day_names(
    client: Client, clock: time_machine.Coordinates
) -> None:
    client.post(reverse("hydration_add"), {"timezone": "Europe/London"})
    pat = make_user("pat", timezone="Europe/London")
    guest = [
        row.rsplit(" ", 2)[0]
        for row in week_rows(client.get(reverse("hydration")).content.decode())
    ]
    theirs = signed_in(pat).get(reverse("hydration")).content.decode()
    person = [re.sub(r" \d+ of \d+.*$", "", row) for row in week_rows(theirs)]
    assert guest == person == LABELS


def test_bad_input_a_guest_glass_with_a_made_up_zone_still_names_the_days(
    client: Client, clock: time_machine.Coordinates
) -> None:
    client.post(reverse("hydration_add"), {"timezone": "Mars/Olympus"})
    rows = week_rows(client.get(reverse("hydration")).content.decode())
    assert len(rows) == 7 and rows[0].startswith("Today ") and rows[1].startswith("Yesterday ")
