"""Web Push under abuse: SSRF through endpoints, deadlines, the device cap, bad keys.

Traffic goes to 127.0.0.x only: names are mapped to addresses with a fake resolver
(tests/helpers/dns.py), and local listeners record whether anything connected.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse

from routines.reminders import endpoints, notifications, push
from routines.reminders.models import DeliveryAttempt, DeliveryResult, PushSubscription
from routines.reminders.push import attempt_push

from .helpers.dns import PUBLIC_ADDRESS, fake_dns
from .helpers.html import page_text
from .helpers.keys import b64url, browser_keys
from .helpers.listeners import Listener
from .helpers.people import make_user, signed_in
from .push_receiver import PushReceiver

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PAYLOAD = {"title": "Time for a drink", "body": "A glass of water.", "tag": "reminder-7"}


def subscription_json(endpoint: str, **keys: str) -> dict[str, Any]:
    return {"endpoint": endpoint, "keys": {**browser_keys(), **keys}}


def post_subscription(client: Client, data: Any) -> Any:
    return client.post(
        reverse("push_subscribe"),
        json.dumps(data),
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36",
    )


def error_of(response: Any) -> str:
    return str(json.loads(response.content)["error"])


@pytest.fixture
def sam() -> AbstractBaseUser:
    return make_user("sam")


@pytest.fixture
def client_sam(sam: AbstractBaseUser) -> Client:
    return signed_in(sam)


@pytest.fixture
def spy_connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address the push transport tries to connect to."""
    tried: list[tuple[str, int]] = []
    real = socket.create_connection

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        tried.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return tried


@pytest.fixture
def listener_443() -> Iterator[Listener | None]:
    """A listener where a production endpoint resolving to 127.0.0.1 would connect; None
    where port 443 cannot be had (the connection spy still sees any attempt)."""
    try:
        listener = Listener(port=443, mode="answer").start()
    except OSError:
        yield None
        return
    yield listener
    listener.stop()


# SSRF ---------------------------------------------------------------------------------------

INTERNAL_ANSWERS = {
    "127.0.0.1.nip.io": "127.0.0.1",
    "rebind.example.com": "127.0.0.2",
    "nat64.example.com": "64:ff9b::7f00:1",
    "nat64-local.example.com": "64:ff9b:1::a00:1",
    "mapped.example.com": "::ffff:127.0.0.1",
    "metadata.example.com": "169.254.169.254",
    "ten.example.com": "10.1.2.3",
    "home.example.com": "192.168.1.10",
    "carrier.example.com": "100.64.0.1",
    "ula.example.com": "fc00::1",
    "linklocal6.example.com": "fe80::1",
    "multicast.example.com": "224.0.0.251",
    "multicast6.example.com": "ff02::1",
    "zero.example.com": "0.0.0.0",
    "loopback6.example.com": "::1",
    "mixed.example.com": [PUBLIC_ADDRESS, "10.0.0.5"],
    "fcm.googleapis.com": PUBLIC_ADDRESS,
    "localhost.localdomain": "127.0.0.1",
}


@pytest.mark.usefixtures("no_http_endpoints")
@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("https://127.0.0.1.nip.io/push/x", "public push service"),
        ("https://localhost.localdomain/push/x", "public push service"),
        ("https://rebind.example.com/push/x", "public push service"),
        ("https://nat64.example.com/push/x", "public push service"),
        ("https://nat64-local.example.com/push/x", "public push service"),
        ("https://mapped.example.com/push/x", "public push service"),
        ("https://metadata.example.com/latest/meta-data", "public push service"),
        ("https://ten.example.com/push/x", "public push service"),
        ("https://home.example.com/push/x", "public push service"),
        ("https://carrier.example.com/push/x", "public push service"),
        ("https://ula.example.com/push/x", "public push service"),
        ("https://linklocal6.example.com/push/x", "public push service"),
        ("https://multicast.example.com/push/x", "public push service"),
        ("https://multicast6.example.com/push/x", "public push service"),
        ("https://zero.example.com/push/x", "public push service"),
        ("https://loopback6.example.com/push/x", "public push service"),
        ("https://mixed.example.com/push/x", "public push service"),
        ("https://[64:ff9b::7f00:1]/push/x", "not an IP"),
        ("https://[::ffff:127.0.0.1]/push/x", "not an IP"),
        ("https://169.254.169.254/push/x", "not an IP"),
        ("https://8.8.8.8/push/x", "not an IP"),
        ("https://api.svc/push/x", "public push service"),
        ("https://vault.service.consul/push/x", "public push service"),
        ("https://fcm.googleapis.com:8443/fcm/send/x", "port 443"),
        ("http://fcm.googleapis.com/fcm/send/x", "must use https"),
        ("https://user:secret@fcm.googleapis.com/fcm/send/x", "user name or password"),
        ("https://fcm.googleapis.com@127.0.0.1/fcm/send/x", "user name or password"),
        ("https://no-such-name.example.com/push/x", "could not be found"),
    ],
)
def test_endpoints_that_reach_internal_addresses_are_refused_at_subscribe(
    client_sam: Client,
    monkeypatch: pytest.MonkeyPatch,
    spy_connections: list[tuple[str, int]],
    endpoint: str,
    message: str,
) -> None:
    def answers(name: str) -> list[str] | None:
        if name == "no-such-name.example.com":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        found = INTERNAL_ANSWERS.get(name)
        return [found] if isinstance(found, str) else found

    fake_dns(monkeypatch, answers)  # type: ignore[arg-type]

    response = post_subscription(client_sam, subscription_json(endpoint))

    assert response.status_code == 400
    assert message in error_of(response)
    assert not PushSubscription.objects.exists()
    assert spy_connections == []


@pytest.mark.usefixtures("no_http_endpoints")
def test_a_public_push_service_name_is_accepted_at_subscribe(
    client_sam: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = fake_dns(monkeypatch, {"fcm.googleapis.com": PUBLIC_ADDRESS})
    endpoint = "https://fcm.googleapis.com/fcm/send/abc"

    response = post_subscription(client_sam, subscription_json(endpoint))

    assert response.status_code == 201
    assert PushSubscription.objects.get().endpoint == endpoint
    assert "fcm.googleapis.com" in asked  # resolved and checked at once


@pytest.mark.usefixtures("no_http_endpoints", "vapid")
def test_a_name_that_resolves_to_loopback_by_send_time_is_refused_and_nothing_connects(
    monkeypatch: pytest.MonkeyPatch,
    spy_connections: list[tuple[str, int]],
    listener_443: Listener | None,
) -> None:
    """Accepted when it resolved to a public address; at send time the name points at this
    machine (a DNS rebind): the worker checks again and refuses."""
    answers = {"push.rebinding.example.com": PUBLIC_ADDRESS}
    fake_dns(monkeypatch, answers)
    subscription = PushSubscription.objects.create(
        user=make_user(), endpoint="https://push.rebinding.example.com/push/x", **browser_keys()
    )
    answers["push.rebinding.example.com"] = "127.0.0.1"

    attempt = attempt_push(subscription, PAYLOAD, ttl=60)

    assert attempt.result == DeliveryResult.FAILED
    assert attempt.detail == "Refused: The endpoint must be a public push service."
    assert spy_connections == []
    if listener_443 is not None:
        assert listener_443.connections == []


@pytest.mark.usefixtures("vapid")
def test_the_connection_goes_to_the_vetted_address_when_dns_changes_before_connect(
    monkeypatch: pytest.MonkeyPatch, spy_connections: list[tuple[str, int]]
) -> None:
    """The name is resolved once, checked, and the connection made to that address with the
    name in the Host header: a second answer (to another address) is never used."""
    vetted = Listener(host="127.0.0.1", mode="answer").start()
    rebound = Listener(host="127.0.0.2", port=vetted.port, mode="answer").start()
    try:
        name = "push.pinned.example.com"
        calls = []

        def answers(asked: str) -> list[str] | None:
            if asked != name:
                return None
            calls.append(asked)
            return ["127.0.0.1"] if len(calls) == 1 else ["127.0.0.2"]

        fake_dns(monkeypatch, answers)  # type: ignore[arg-type]
        subscription = PushSubscription(
            pk=1, user_id=1, endpoint=f"http://{name}:{vetted.port}/push/x", **browser_keys()
        )

        attempt = attempt_push(subscription, PAYLOAD, ttl=60)

        assert attempt.result == DeliveryResult.DELIVERED
        assert len(calls) == 1
        assert spy_connections == [("127.0.0.1", vetted.port)]
        assert rebound.connections == []
        [head] = vetted.heads
        assert f"Host: {name}:{vetted.port}".encode() in head
    finally:
        vetted.stop()
        rebound.stop()


@pytest.mark.usefixtures("no_http_endpoints")
def test_the_allowed_hosts_setting_restricts_endpoints_to_the_browsers_push_services(
    client_sam: Client, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.PUSH_ALLOWED_HOSTS = ["fcm.googleapis.com", "*.notify.windows.com"]
    fake_dns(
        monkeypatch,
        dict.fromkeys(
            ["fcm.googleapis.com", "wns2-by3p.notify.windows.com", "push.example.com"],
            PUBLIC_ADDRESS,
        ),
    )

    refused = post_subscription(client_sam, subscription_json("https://push.example.com/x"))
    fcm = post_subscription(client_sam, subscription_json("https://fcm.googleapis.com/a"))
    wns = post_subscription(
        client_sam, subscription_json("https://wns2-by3p.notify.windows.com/w/?token=b")
    )

    assert refused.status_code == 400
    assert "not one of the browsers' push services" in error_of(refused)
    assert (fcm.status_code, wns.status_code) == (201, 201)
    assert PushSubscription.objects.count() == 2


def test_production_settings_offer_no_switch_for_local_endpoints(settings: Any) -> None:
    settings.DEBUG = False
    settings.PUSH_TEST_LOCAL_ENDPOINTS = False
    assert not endpoints.local_endpoints_allowed()
    with pytest.raises(endpoints.UnsafeEndpoint):
        endpoints.check_syntax("http://127.0.0.1:8765/push")
    settings.DEBUG = True  # development
    assert endpoints.check_syntax("http://127.0.0.1:8765/push") == ("http", "127.0.0.1", 8765)
    with pytest.raises(endpoints.UnsafeEndpoint):  # loopback only, even in development
        endpoints.check_syntax("http://10.0.0.1:8765/push")


# Deadlines ----------------------------------------------------------------------------------


@pytest.fixture
def short_deadline(settings: Any) -> float:
    settings.PUSH_TIMEOUT_SECONDS = 1.0
    settings.PUSH_CONNECT_TIMEOUT_SECONDS = 0.5
    return 1.0


@pytest.mark.usefixtures("vapid")
@pytest.mark.parametrize("mode", ["hang", "trickle"])
def test_a_push_service_that_never_finishes_answering_is_cut_off_at_the_total_deadline(
    short_deadline: float, mode: str
) -> None:
    listener = Listener(mode=mode, trickle_seconds=0.1).start()
    subscription = PushSubscription(
        pk=1, user_id=1, endpoint=f"{listener.origin}/push/x", **browser_keys()
    )
    try:
        started = time.monotonic()
        attempt = attempt_push(subscription, PAYLOAD, ttl=60)
        elapsed = time.monotonic() - started
    finally:
        listener.stop()

    assert attempt.result == DeliveryResult.RETRY
    assert attempt.detail == "The push service did not answer."
    assert attempt.timed_out
    assert listener.connections  # it did connect, and was then cut off
    assert short_deadline * 0.9 <= elapsed < short_deadline + 0.5


def test_a_test_notification_returns_within_the_deadline_however_many_devices_hang(
    client_sam: Client,
    sam: AbstractBaseUser,
    short_deadline: float,
    push_receiver: PushReceiver,
    vapid_keys: dict[str, str],
    settings: Any,
) -> None:
    hanging = Listener(mode="hang").start()
    try:
        phone = push_receiver.add_device("phone")
        PushSubscription.objects.create(
            user=sam, endpoint=phone.endpoint, p256dh=phone.p256dh, auth=phone.auth
        )
        for n in range(settings.PUSH_MAX_DEVICES - 1):
            PushSubscription.objects.create(
                user=sam, endpoint=f"{hanging.origin}/push/hang-{n}", **browser_keys()
            )

        started = time.monotonic()
        response = client_sam.post(reverse("push_test"), **HTMX)
        elapsed = time.monotonic() - started
    finally:
        hanging.stop()

    limit = short_deadline + notifications.TEST_MARGIN_SECONDS
    assert elapsed < limit + 0.5, f"the view held the worker {elapsed:.2f} s"
    text = page_text(response.content.decode())
    assert text.count("not reached") == settings.PUSH_MAX_DEVICES - 1
    assert ": sent." in text
    assert len(push_receiver.pushes_to(phone)) == 1
    assert len(hanging.connections) == settings.PUSH_MAX_DEVICES - 1  # all at once
    assert DeliveryAttempt.objects.filter(result=DeliveryResult.RETRY).count() == 9


def test_pushes_carry_a_topic_header_matching_the_notification_tag(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    device = push_receiver.add_device()
    subscription = PushSubscription(
        pk=1, user_id=1, endpoint=device.endpoint, p256dh=device.p256dh, auth=device.auth
    )

    attempt = attempt_push(subscription, PAYLOAD, ttl=60)

    assert attempt.result == DeliveryResult.DELIVERED
    [received] = push_receiver.pushes_to(device)
    assert received.topic == "reminder-7"
    assert received.payload["tag"] == "reminder-7"
    assert push._topic("reminder 7/ü" + "x" * 40) == "reminder7" + "x" * 23


# The device cap -------------------------------------------------------------------------------


def test_an_eleventh_device_is_refused_and_a_known_one_can_subscribe_again(
    client_sam: Client, sam: AbstractBaseUser, push_receiver: PushReceiver, settings: Any
) -> None:
    first = subscription_json(push_receiver.add_device().endpoint)
    assert post_subscription(client_sam, first).status_code == 201
    for _ in range(settings.PUSH_MAX_DEVICES - 1):
        data = subscription_json(push_receiver.add_device().endpoint)
        assert post_subscription(client_sam, data).status_code == 201

    eleventh = post_subscription(client_sam, subscription_json(push_receiver.add_device().endpoint))
    again = post_subscription(client_sam, {**first, "keys": browser_keys()})

    assert eleventh.status_code == 409
    assert error_of(eleventh) == (
        "You have notifications on 10 devices, the most there can be. Remove one first."
    )
    assert again.status_code == 200  # the same browser, renewed keys
    assert PushSubscription.objects.filter(user=sam).count() == 10
    # Another person is not held back by Sam's devices.
    kim = signed_in(make_user("kim"))
    other = post_subscription(kim, subscription_json(push_receiver.add_device().endpoint))
    assert other.status_code == 201


def test_the_device_cap_is_a_setting(
    client_sam: Client, push_receiver: PushReceiver, settings: Any
) -> None:
    settings.PUSH_MAX_DEVICES = 1
    assert (
        post_subscription(
            client_sam, subscription_json(push_receiver.add_device().endpoint)
        ).status_code
        == 201
    )
    refused = post_subscription(client_sam, subscription_json(push_receiver.add_device().endpoint))
    assert refused.status_code == 409
    assert "on 1 devices" in error_of(refused)


# Bad keys and control characters ------------------------------------------------------------


def not_on_the_curve() -> str:
    """An uncompressed point (0x04, x, y) whose coordinates do not satisfy the P-256 equation."""
    return b64url(b"\x04" + (1).to_bytes(32, "big") + (1).to_bytes(32, "big"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"p256dh": not_on_the_curve()}, "not a point on the P-256 curve"),
        ({"auth": b64url(os.urandom(15))}, "should be 16 bytes, not 15"),
        ({"auth": b64url(os.urandom(32))}, "should be 16 bytes, not 32"),
    ],
)
def test_keys_that_cannot_be_used_are_refused(
    client_sam: Client, push_receiver: PushReceiver, change: dict[str, str], message: str
) -> None:
    data = subscription_json(push_receiver.add_device().endpoint, **change)
    response = post_subscription(client_sam, data)
    assert response.status_code == 400
    assert message in error_of(response)
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize("character", ["\x00", "\n", "\r", "\t", "\x7f", "\x85", " "])
def test_an_endpoint_with_control_characters_is_refused(
    client_sam: Client, push_receiver: PushReceiver, character: str
) -> None:
    """On PostgreSQL a NUL in a text column was a 500; it is now refused before the database."""
    endpoint = push_receiver.add_device().endpoint + f"a{character}b"
    response = post_subscription(client_sam, subscription_json(endpoint))
    assert response.status_code == 400
    assert "spaces or control characters" in error_of(response)
    assert not PushSubscription.objects.exists()


def test_a_name_server_that_never_answers_is_given_up_at_the_connect_deadline(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """A lookup that hangs (an attacker's own name server) holds no request past the deadline;
    the hanging lookup is released when the test ends."""
    import threading

    settings.PUSH_CONNECT_TIMEOUT_SECONDS = 0.3
    release = threading.Event()
    asked: list[str] = []

    def hanging(host: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        release.wait()
        raise OSError("gave up")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    started = time.monotonic()
    try:
        with pytest.raises(endpoints.UnsafeEndpoint, match="did not answer in time"):
            endpoints.vet_endpoint("https://push.slow-dns.example/send/abc")
        took = time.monotonic() - started
    finally:
        release.set()
    assert asked == ["push.slow-dns.example"]
    assert 0.3 <= took < 2.0
