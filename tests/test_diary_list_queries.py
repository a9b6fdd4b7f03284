"""The diary list runs the same queries for a three-year diary as for a new one (it shows 50
entries a page, with the relief run each links to)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from routines.diary.models import CrampEntry
from routines.diary.views import PAGE_SIZE
from routines.player.models import Run

from .factories import make_routine

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 1, 14, 12, 0, tzinfo=dt.UTC)


def queries(client: Client, **query: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("diary"), query)
    assert response.status_code == 200
    return len(captured)


def test_the_diary_list_runs_the_same_queries_for_a_big_diary(
    client_sam: Client, sam: AbstractBaseUser, clock: Any
) -> None:
    CrampEntry.objects.create(user=sam, started_at=T0, muscle="calf", side="left", intensity=3)
    small = queries(client_sam)
    routine = make_routine(title="Calf cramp relief")
    runs = [
        Run.begin(routine, user=sam, lead_in=False, now=T0 - n * dt.timedelta(hours=9))
        for n in range(20)
    ]
    CrampEntry.objects.bulk_create(
        CrampEntry(
            user=sam,
            started_at=T0 - n * dt.timedelta(hours=9),
            muscle="foot",
            side="right",
            intensity=1 + n % 10,
            lasted_minutes=1 + n % 20,
            context="night",
            run=runs[n % 20],
        )
        for n in range(3 * PAGE_SIZE)
    )

    assert queries(client_sam) == small
    assert queries(client_sam, page=3) == small
    html = client_sam.get(reverse("diary"), {"page": 2}).content.decode()
    assert html.count('class="card diary-entry"') == PAGE_SIZE
    assert html.count("Calf cramp relief") == PAGE_SIZE  # each entry's run, joined
