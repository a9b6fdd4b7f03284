"""The throttles hold across processes: counts and lock-outs are kept in the database, which
every web process shares, and the counter's increment loses nothing when two processes count
at the same moment."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from .helpers.people import PASSWORD, make_user
from .helpers.processes import result_of, start_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_ups_counted_in_one_process_are_throttled_in_another() -> None:
    first = result_of(start_client("signup", "3", SIGNUP_RATE="4/h"))
    second = result_of(start_client("signup", "2", SIGNUP_RATE="4/h"))

    assert first == [400, 400, 400]
    assert second == [400, 429]


def test_a_lock_out_earned_in_one_process_holds_in_another() -> None:
    make_user("sam")

    wrong = result_of(start_client("login", "10", "wrong-password"))
    right = result_of(start_client("login", "1", PASSWORD))

    assert wrong == [200] * 9 + [429]
    assert right == [429]


def test_two_processes_counting_at_once_lose_no_increment() -> None:
    processes = [start_client("count", "60") for _ in range(2)]

    results = [result_of(process) for process in processes]

    assert results == ["done", "done"]
    assert caches["throttle"].get("shared-count") == 120
