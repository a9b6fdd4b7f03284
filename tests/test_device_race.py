"""Two subscriptions at once for one account: the device cap holds, no endpoint twice.

Each call runs in a thread of its own, with its own database connection, and the two are
released together by a barrier. In the service tests each thread has its transaction open
before it meets the other (PostgreSQL), so the two transactions overlap for certain: without
a lock that makes them take turns, both count the devices before either has added one. On
SQLite a transaction takes the write lock when it begins (IMMEDIATE), so the threads meet just
before it instead. The view tests post two real requests at the same moment.

Run on SQLite by default and on PostgreSQL with DATABASE_URL=postgres:///... (CI does both).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from routines.accounts.models import Profile
from routines.reminders import services
from routines.reminders.models import PushSubscription

from .helpers.keys import browser_keys
from .helpers.people import make_user, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*calls: Callable[[], Any], overlap: bool = True) -> list[Any]:
    """Run each call in a thread of its own, all released by one barrier; what each returned
    or raised. With `overlap`, each call runs inside a transaction that is already open when
    the barrier releases it (PostgreSQL)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(n: int, call: Callable[[], Any]) -> None:
        try:
            if overlap and connection.vendor != "sqlite":
                with transaction.atomic():
                    connection.ensure_connection()
                    barrier.wait()
                    results[n] = call()
            else:
                barrier.wait()
                results[n] = call()
        except Exception as error:
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def endpoint(name: str) -> str:
    return f"https://updates.push.services.mozilla.com/wpush/v2/{name}"


def save(profile: Profile, name: str, keys: dict[str, str] | None = None) -> Callable[[], Any]:
    keys = keys or browser_keys()
    return lambda: services.save_device(profile, endpoint(name), keys["p256dh"], keys["auth"])


def fill(user: Any, count: int) -> None:
    for n in range(count):
        keys = browser_keys()
        PushSubscription.objects.create(
            user=user, endpoint=endpoint(f"{user.username}-{n}"), **keys
        )


def created(results: list[Any]) -> list[bool]:
    return sorted(r[1] for r in results if isinstance(r, tuple))


def errors(results: list[Any]) -> list[type[BaseException]]:
    return [type(r) for r in results if isinstance(r, BaseException)]


# The service ----------------------------------------------------------------------------------


def test_two_new_devices_at_once_for_the_last_place_add_only_one(settings: Any) -> None:
    sam = make_user("sam", timezone="UTC")
    fill(sam, settings.PUSH_MAX_DEVICES - 1)
    profile = Profile.objects.get(user=sam)

    results = at_once(save(profile, "phone"), save(profile, "tablet"))

    assert created(results) == [True]
    assert errors(results) == [services.DeviceLimit]
    assert PushSubscription.objects.filter(user=sam).count() == settings.PUSH_MAX_DEVICES


def test_with_no_device_yet_and_a_cap_of_one_two_at_once_add_only_one(settings: Any) -> None:
    settings.PUSH_MAX_DEVICES = 1
    sam = make_user("sam", timezone="UTC")
    profile = Profile.objects.get(user=sam)

    results = at_once(save(profile, "phone"), save(profile, "tablet"))

    assert created(results) == [True]
    assert errors(results) == [services.DeviceLimit]
    assert PushSubscription.objects.filter(user=sam).count() == 1


def test_the_same_browser_twice_at_once_is_stored_once() -> None:
    sam = make_user("sam", timezone="UTC")
    profile = Profile.objects.get(user=sam)
    keys = browser_keys()

    results = at_once(save(profile, "phone", keys), save(profile, "phone", keys))

    assert created(results) == [False, True]  # one added it, the other found it
    assert errors(results) == []
    assert list(PushSubscription.objects.values_list("user_id", "endpoint")) == [
        (sam.pk, endpoint("phone"))
    ]


def test_one_endpoint_sent_by_two_accounts_at_once_is_stored_once_for_its_keys() -> None:
    sam = Profile.objects.get(user=make_user("sam", timezone="UTC"))
    kim = Profile.objects.get(user=make_user("kim", timezone="UTC"))

    results = at_once(save(sam, "phone"), save(kim, "phone"))  # different keys

    # The first one saved keeps it; the other, without its keys, is refused.
    assert created(results) == [True]
    assert errors(results) == [services.DeviceOfAnotherAccount]
    assert PushSubscription.objects.filter(endpoint=endpoint("phone")).count() == 1


def test_an_account_at_its_cap_racing_for_another_accounts_endpoint_is_refused(
    settings: Any,
) -> None:
    settings.PUSH_MAX_DEVICES = 1
    sam_user, kim_user = make_user("sam", timezone="UTC"), make_user("kim", timezone="UTC")
    fill(kim_user, 1)
    sam, kim = Profile.objects.get(user=sam_user), Profile.objects.get(user=kim_user)
    keys = browser_keys()

    # The same browser (same keys) signed in to both accounts; Kim is at the cap already.
    results = at_once(save(sam, "shared", keys), save(kim, "shared", keys))

    assert errors(results) in ([services.DeviceLimit], [])
    assert PushSubscription.objects.filter(endpoint=endpoint("shared")).count() == 1
    for user in (sam_user, kim_user):
        assert PushSubscription.objects.filter(user=user).count() <= 1


# The view -------------------------------------------------------------------------------------


def post(client: Client, name: str, keys: dict[str, str] | None = None) -> Callable[[], Any]:
    body = json.dumps({"endpoint": endpoint(name), "keys": keys or browser_keys()})

    def call() -> tuple[int, dict[str, Any]]:
        response = client.post(reverse("push_subscribe"), body, content_type="application/json")
        return response.status_code, json.loads(response.content)

    return call


@pytest.fixture
def public_push_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """The push service's name resolves to a public address (no network in tests)."""
    from .helpers.dns import PUBLIC_ADDRESS, fake_dns

    fake_dns(monkeypatch, {"updates.push.services.mozilla.com": PUBLIC_ADDRESS})


@pytest.mark.usefixtures("public_push_service")
def test_two_subscribe_requests_at_once_for_the_last_place_add_only_one(settings: Any) -> None:
    sam = make_user("sam", timezone="UTC")
    fill(sam, settings.PUSH_MAX_DEVICES - 1)

    results = at_once(post(signed_in(sam), "phone"), post(signed_in(sam), "tablet"), overlap=False)

    assert sorted(status for status, _ in results) == [201, 409]
    refused = next(answer for status, answer in results if status == 409)
    assert "the most there can be" in refused["error"]
    assert PushSubscription.objects.filter(user=sam).count() == settings.PUSH_MAX_DEVICES


@pytest.mark.usefixtures("public_push_service")
def test_the_same_browser_subscribing_twice_at_once_is_stored_once() -> None:
    sam = make_user("sam", timezone="UTC")
    keys = browser_keys()

    results = at_once(
        post(signed_in(sam), "phone", keys), post(signed_in(sam), "phone", keys), overlap=False
    )

    assert sorted(status for status, _ in results) == [200, 201]
    assert len({answer["id"] for _, answer in results}) == 1
    assert PushSubscription.objects.filter(endpoint=endpoint("phone")).count() == 1
