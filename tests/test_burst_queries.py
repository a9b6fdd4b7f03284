"""A burst costs the worker the same queries however many people are due: each owner's
settings come with their reminder (no query per reminder or per occurrence)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from routines.accounts.models import Profile
from routines.reminders.delivery import claim, materialise
from routines.reminders.models import Reminder, ReminderKind, ScheduleKind
from routines.reminders.notifications import notification_payload

pytestmark = pytest.mark.django_db


def due_people(count: int, prefix: str) -> None:
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{prefix}{n}", password="!") for n in range(count)
    )
    Profile.objects.bulk_create(
        Profile(user=user, timezone="UTC", fluid_restriction=bool(n % 2))
        for n, user in enumerate(users)
    )
    due = timezone.now() - dt.timedelta(seconds=1)  # everyone's 08:00: one time for all
    Reminder.objects.bulk_create(
        Reminder(
            user=user,
            kind=ReminderKind.HYDRATION,
            schedule=ScheduleKind.FIXED,
            fixed_times=["08:00"],
            next_fire_at=due,
        )
        for user in users
    )


def queries_of_a_burst(count: int, prefix: str) -> tuple[int, int]:
    """Queries to record `count` people's due reminders, and to write the notifications of
    the claimed occurrences (what the worker pushes)."""
    due_people(count, prefix)
    with CaptureQueriesContext(connection) as recording:
        assert materialise()[0] == count
    held = claim(f"w-{prefix}", limit=1000)
    assert len(held.occurrences) == count
    with CaptureQueriesContext(connection) as writing:
        payloads = [notification_payload(o) for o in held.occurrences]
    assert {"Time for a drink"} == {p["title"] for p in payloads}
    # Each person's own fluid-restriction setting was used (every other person has one).
    assert len({p["body"] for p in payloads}) == 2
    return len(recording), len(writing)


def test_recording_a_burst_takes_the_same_queries_for_3_or_30_people() -> None:
    few = queries_of_a_burst(3, "few")
    many = queries_of_a_burst(30, "many")

    assert few[0] == many[0]
    assert few[1] == many[1] == 0  # the owners' settings came with the claimed occurrences
