"""The diary's cache backend (routines/diary/cache.py): LocMemCache keeping values as they
are, its expiry, bound and counters as LocMemCache's; and the list's pages, read by their
ids first."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse

from routines.diary.cache import SharedLocMemCache
from routines.diary.models import CrampEntry
from routines.diary.views import PAGE_SIZE

T0 = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)


def _cache(name: str, entries: int = 300) -> SharedLocMemCache:
    made = SharedLocMemCache(name, {"TIMEOUT": 60, "OPTIONS": {"MAX_ENTRIES": entries}})
    made.clear()
    return made


def test_a_value_read_is_the_one_kept_not_a_copy() -> None:
    kept = _cache("diaryfast2-same")
    items = {("row",): "<li>one</li>"}
    kept.set("items", items)
    assert kept.get("items") is items
    assert kept.get("missing") is None
    assert kept.get("missing", "default") == "default"


def test_values_expire_with_their_timeout() -> None:
    kept = _cache("diaryfast2-expiry")
    with time_machine.travel(T0, tick=False) as clock:
        kept.set("part", "<p>page</p>", 10)
        assert kept.add("part", "other") is False
        clock.shift(dt.timedelta(seconds=9))
        assert kept.get("part") == "<p>page</p>"
        clock.shift(dt.timedelta(seconds=2))
        assert kept.get("part") is None
        assert kept.add("part", "again") is True
        assert kept.get("part") == "again"


def test_the_number_of_values_is_bounded() -> None:
    kept = _cache("diaryfast2-bound", entries=4)
    for n in range(10):
        kept.set(f"part-{n}", n)
    assert 1 <= sum(kept.get(f"part-{n}") is not None for n in range(10)) <= 4
    assert kept.get("part-9") == 9  # the latest is kept


def test_counters_count_and_a_missing_one_is_refused() -> None:
    kept = _cache("diaryfast2-incr")
    kept.set("count", 1)
    assert kept.incr("count") == 2
    assert kept.incr("count", 5) == 7
    assert kept.get("count") == 7
    with pytest.raises(ValueError, match="not found"):
        kept.incr("nothing")


@pytest.mark.django_db
def test_each_page_of_the_list_shows_its_entries_in_order(
    client_sam: Client, sam: AbstractBaseUser, clock: Any
) -> None:
    """The list reads a page's ids first, then their entries: far pages, ties (the same
    minute: newest id first), the last page partly full and a page past the end."""
    CrampEntry.objects.bulk_create(
        CrampEntry(
            user=sam,
            started_at=T0 - (n // 2) * dt.timedelta(hours=5),  # two cramps a moment
            muscle="calf",
            side="left",
            intensity=1 + n % 10,
        )
        for n in range(2 * PAGE_SIZE + 7)
    )
    newest_first = list(
        CrampEntry.objects.filter(user=sam)
        .order_by("-started_at", "-id")
        .values_list("pk", flat=True)
    )
    for page, first in (("1", 0), ("2", PAGE_SIZE), ("3", 2 * PAGE_SIZE), ("99", 2 * PAGE_SIZE)):
        html = client_sam.get(reverse("diary"), {"page": page}).content.decode()
        shown = [int(pk) for pk in re.findall(r'id="cramp-(\d+)"', html)]
        assert shown == newest_first[first : first + PAGE_SIZE]
    assert len(shown) == 7


@pytest.mark.django_db
def test_a_guest_list_shows_only_their_entries(client: Client, sam: AbstractBaseUser) -> None:
    CrampEntry.objects.create(user=sam, started_at=T0, muscle="foot", side="left", intensity=9)
    for intensity in (2, 3):
        response = client.post(
            reverse("diary_log"),
            {"muscle": "calf", "side": "right", "intensity": intensity, "from": "home"},
        )
        assert response.status_code == 302
    html = client.get(reverse("diary")).content.decode()
    assert re.findall(r'intensity-tag">(\d+)/10', html) == ["3", "2"]
