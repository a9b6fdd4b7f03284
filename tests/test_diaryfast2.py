"""The diary's cache backend (routines/diary/cache.py): LocMemCache keeping values as they
are. Its expiry, its bound and its counters behave as LocMemCache's do."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from routines.diary.cache import SharedLocMemCache

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
