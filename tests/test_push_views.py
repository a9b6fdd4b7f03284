"""Web Push from the person's side: subscribing a browser (POST /push/subscribe/), the device
list and removing a device, the test notification.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from routines.reminders.models import DeliveryAttempt, DeliveryResult, PushSubscription
from routines.reminders.views.push import device_name

from .helpers.dns import PUBLIC_ADDRESS, PUSH_SERVICES, fake_dns
from .helpers.html import main_text, messages_of, page_text
from .helpers.keys import b64url, browser_keys
from .helpers.people import signed_in
from .push_receiver import PushReceiver

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


# Helpers ------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def push_services_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    """The push services' names resolve (to a public address; nothing is sent there)."""
    fake_dns(monkeypatch, dict.fromkeys(PUSH_SERVICES, PUBLIC_ADDRESS))


def subscription_json(endpoint: str | None = None, **keys: str) -> dict[str, Any]:
    return {
        "endpoint": endpoint or f"https://fcm.googleapis.com/fcm/send/{b64url(os.urandom(24))}",
        "expirationTime": None,
        "keys": {**browser_keys(), **keys},
    }


def post_json(client: Client, data: Any, **extra: Any) -> HttpResponse:
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(
        reverse("push_subscribe"),
        body,
        content_type="application/json",
        HTTP_USER_AGENT=extra.pop("user_agent", ANDROID_CHROME),
        **extra,
    )


def add_device(user: AbstractBaseUser, user_agent: str = ANDROID_CHROME) -> PushSubscription:
    data = subscription_json()
    return PushSubscription.objects.create(
        user=user,
        endpoint=data["endpoint"],
        p256dh=data["keys"]["p256dh"],
        auth=data["keys"]["auth"],
        user_agent=user_agent,
    )


def error_of(response: HttpResponse) -> str:
    assert response["Content-Type"] == "application/json"
    return response.json()["error"]


# Subscribing ------------------------------------------------------------------------------


def test_subscribing_stores_the_device_with_its_keys_and_user_agent(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    data = subscription_json()
    response = post_json(client_sam, data)
    assert response.status_code == 201
    stored = PushSubscription.objects.get()
    assert response.json() == {"id": stored.pk, "device": "Chrome on Android"}
    assert stored.user == sam
    assert stored.endpoint == data["endpoint"]
    assert (stored.p256dh, stored.auth) == (data["keys"]["p256dh"], data["keys"]["auth"])
    assert stored.user_agent == ANDROID_CHROME
    assert stored.last_delivered_at is None


def test_subscribing_the_same_browser_again_keeps_one_device(client_sam: Client) -> None:
    data = subscription_json()
    assert post_json(client_sam, data).status_code == 201
    again = post_json(client_sam, data, user_agent=ANDROID_CHROME + " updated")
    assert again.status_code == 200
    assert PushSubscription.objects.count() == 1
    assert PushSubscription.objects.get().user_agent.endswith(" updated")


def test_renewed_keys_for_the_same_persons_endpoint_replace_the_old_ones(
    client_sam: Client,
) -> None:
    data = subscription_json()
    post_json(client_sam, data)
    renewed = {**data, "keys": browser_keys()}
    assert post_json(client_sam, renewed).status_code == 200
    assert PushSubscription.objects.get().p256dh == renewed["keys"]["p256dh"]


def test_a_device_stays_with_its_owner_when_another_account_sends_its_endpoint_without_its_keys(
    robin: AbstractBaseUser, client_sam: Client
) -> None:
    robins = add_device(robin)
    stolen = subscription_json(robins.endpoint)  # the endpoint, but not the browser's keys
    response = post_json(client_sam, stolen)
    assert response.status_code == 400
    assert "another account" in error_of(response)
    robins.refresh_from_db()
    assert robins.user == robin
    assert robins.p256dh != stolen["keys"]["p256dh"]


def test_the_same_browser_with_its_keys_moves_to_the_account_now_using_it(
    robin: AbstractBaseUser, sam: AbstractBaseUser, client_sam: Client
) -> None:
    shared = add_device(robin)
    same_browser = subscription_json(shared.endpoint, p256dh=shared.p256dh, auth=shared.auth)
    response = post_json(client_sam, same_browser)
    assert response.status_code == 200
    shared.refresh_from_db()
    assert shared.user == sam
    assert PushSubscription.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('"https://push.example.com/x"', "JSON object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_with_a_message(
    client_sam: Client, body: str | bytes, message: str
) -> None:
    response = post_json(client_sam, body)
    assert response.status_code == 400
    assert message in error_of(response)
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("endpoint"), "no endpoint"),
        (lambda d: d.update(endpoint=""), "no endpoint"),
        (lambda d: d.update(endpoint=42), "no endpoint"),
        (lambda d: d.pop("keys"), "no keys"),
        (lambda d: d.update(keys="p256dh"), "no keys"),
        (lambda d: d["keys"].pop("auth"), "both keys"),
        (lambda d: d["keys"].pop("p256dh"), "both keys"),
        (lambda d: d["keys"].update(auth=""), "both keys"),
        (lambda d: d.update(endpoint="not a url"), "spaces or control characters"),
        (lambda d: d.update(endpoint="ftp://push.example.com/x"), "must use https"),
        (lambda d: d["keys"].update(auth="not base64!"), "auth key is not base64url"),
        (lambda d: d["keys"].update(auth=b64url(os.urandom(8))), "auth key should be 16 bytes"),
        (lambda d: d["keys"].update(p256dh=b64url(os.urandom(33))), "p256dh key should be 65"),
        (lambda d: d["keys"].update(p256dh=b64url(b"\x02" + os.urandom(64))), "uncompressed"),
    ],
)
def test_a_subscription_missing_or_mangling_its_parts_is_refused_with_a_message(
    client_sam: Client, change: Callable[[dict[str, Any]], Any], message: str
) -> None:
    data = subscription_json()
    change(data)
    response = post_json(client_sam, data)
    assert response.status_code == 400
    assert message in error_of(response)
    assert not PushSubscription.objects.exists()


def test_over_long_values_are_refused_rather_than_cut(client_sam: Client) -> None:
    long_endpoint = "https://push.example.com/" + "a" * 1000
    response = post_json(client_sam, subscription_json(long_endpoint))
    assert response.status_code == 400
    assert "longer than 1000 characters" in error_of(response)
    long_key = subscription_json()
    long_key["keys"]["p256dh"] = "A" * 201
    assert "longer than 200" in error_of(post_json(client_sam, long_key))
    huge = subscription_json()
    huge["padding"] = "x" * 5000
    assert "too much data" in error_of(post_json(client_sam, huge))
    assert not PushSubscription.objects.exists()


def test_a_long_user_agent_is_stored_shortened(client_sam: Client) -> None:
    assert post_json(client_sam, subscription_json(), user_agent="X" * 500).status_code == 201
    assert PushSubscription.objects.get().user_agent == "X" * 300


@pytest.mark.usefixtures("no_http_endpoints")
@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("http://push.example.com/send/abc", "must use https"),
        ("https://127.0.0.1:8443/push", "public push service"),
        ("https://localhost/push", "public push service"),
        ("https://[::1]/push", "public push service"),
        ("https://10.1.2.3/push", "public push service"),
        ("https://metadata.internal/push", "public push service"),
    ],
)
def test_outside_development_the_endpoint_must_be_a_public_https_service(
    client_sam: Client, endpoint: str, message: str
) -> None:
    response = post_json(client_sam, subscription_json(endpoint))
    assert response.status_code == 400
    assert message in error_of(response)
    assert not PushSubscription.objects.exists()


def test_a_local_http_receiver_is_accepted_when_the_setting_allows_it(
    client_sam: Client, settings: Any
) -> None:
    settings.PUSH_TEST_LOCAL_ENDPOINTS = True
    endpoint = "http://127.0.0.1:8765/push/device-1"
    response = post_json(client_sam, subscription_json(endpoint))
    assert response.status_code == 201
    assert list(PushSubscription.objects.values_list("user__username", "endpoint")) == [
        ("sam", endpoint)
    ]


def test_no_environment_variable_lets_production_post_to_local_endpoints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Loopback and plain-http endpoints: DEBUG, or the test settings' own switch, which
    production settings never read from the environment."""
    import project.settings_push as push_settings

    monkeypatch.setenv("PUSH_ALLOW_HTTP_ENDPOINTS", "1")
    monkeypatch.setenv("PUSH_TEST_LOCAL_ENDPOINTS", "1")
    monkeypatch.setenv("DEBUG", "0")
    reloaded = importlib.reload(push_settings)
    assert reloaded.PUSH_TEST_LOCAL_ENDPOINTS is False
    assert not hasattr(reloaded, "PUSH_ALLOW_HTTP_ENDPOINTS")


def test_without_http_endpoints_allowed_an_http_endpoint_is_refused(
    client_sam: Client, settings: Any
) -> None:
    settings.PUSH_TEST_LOCAL_ENDPOINTS = False
    response = post_json(client_sam, subscription_json("http://127.0.0.1:8765/b"))
    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


def test_a_guest_cannot_subscribe(client: Client) -> None:
    response = post_json(client, subscription_json())
    assert response.status_code == 403
    assert "Log in" in error_of(response)
    assert not PushSubscription.objects.exists()


def test_subscribing_needs_the_csrf_token(sam: AbstractBaseUser) -> None:
    client = signed_in(sam, enforce_csrf_checks=True)
    data = subscription_json()
    refused = post_json(client, data)
    assert refused.status_code == 403
    assert not PushSubscription.objects.exists()
    # The page gives the token (the script reads it from the body's hx-headers).
    page = client.get(reverse("push_devices"))
    token = json.loads(page.content.decode().split("hx-headers='", 1)[1].split("'", 1)[0])[
        "X-CSRFToken"
    ]
    accepted = post_json(client, data, HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201
    assert PushSubscription.objects.filter(user=sam).count() == 1


def test_subscribe_takes_only_post(client_sam: Client) -> None:
    response = client_sam.get(reverse("push_subscribe"))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (ANDROID_CHROME, "Chrome on Android"),
        (WINDOWS_FIREFOX, "Firefox on Windows"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iPhone",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        ("", "Unknown browser"),
    ],
)
def test_devices_get_names_people_recognise(user_agent: str, name: str) -> None:
    assert device_name(user_agent) == name


# The device list ----------------------------------------------------------------------------


def test_the_device_list_shows_only_the_persons_own_devices_and_last_delivery(
    client_sam: Client, sam: AbstractBaseUser, robin: AbstractBaseUser, vapid: str
) -> None:
    phone = add_device(sam)
    laptop = add_device(sam, WINDOWS_FIREFOX)
    laptop.last_delivered_at = timezone.make_aware(timezone.datetime(2025, 6, 3, 9, 15))
    laptop.save()
    add_device(robin, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15")
    response = client_sam.get(reverse("push_devices"))
    text = main_text(response)
    assert "Chrome on Android" in text
    assert "Firefox on Windows" in text
    assert "Safari on Mac" not in text
    assert "last notification 3 Jun, 09:15" in text
    assert text.count("nothing delivered yet") == 1
    html = response.content.decode()
    assert reverse("push_device_remove", args=[phone.pk]) in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_device_page_offers_notifications_with_the_servers_public_key(
    client_sam: Client, vapid: str
) -> None:
    html = client_sam.get(reverse("push_devices")).content.decode()
    assert f'data-vapid-key="{vapid}"' in html
    assert "Turn on notifications" in html
    assert "js/notifications.js" in html
    assert "No devices yet" in page_text(html)


def test_without_vapid_keys_the_page_says_notifications_are_not_set_up(
    client_sam: Client, settings: Any
) -> None:
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_PUBLIC_KEY = ""
    html = client_sam.get(reverse("push_devices")).content.decode()
    assert "Notifications are not set up" in page_text(html)
    assert 'id="push-enable"' not in html
    assert "notifications.js" not in html
    assert "Send a test notification" not in html


def test_the_device_list_alone_for_htmx(client_sam: Client, sam: AbstractBaseUser) -> None:
    add_device(sam)
    html = client_sam.get(reverse("push_devices"), **HTMX).content.decode()
    assert html.lstrip().startswith('<div id="device-list"')
    assert "Chrome on Android" in html
    assert "<main" not in html


def test_a_guest_is_sent_to_log_in_for_the_device_list(client: Client) -> None:
    response = client.get(reverse("push_devices"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_removing_a_device_deletes_it_and_says_so(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    phone, laptop = add_device(sam), add_device(sam, WINDOWS_FIREFOX)
    response = client_sam.post(reverse("push_device_remove", args=[phone.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("push_devices")
    assert list(PushSubscription.objects.all()) == [laptop]
    assert messages_of(response) == ["Chrome on Android will no longer get notifications."]


def test_removing_a_device_with_htmx_returns_the_list_without_it(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    phone, laptop = add_device(sam), add_device(sam, WINDOWS_FIREFOX)
    response = client_sam.post(reverse("push_device_remove", args=[laptop.pk]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="device-list"')
    assert f'id="device-{phone.pk}"' in html
    assert f'id="device-{laptop.pk}"' not in html
    assert "Firefox on Windows will no longer get notifications." in html
    assert not PushSubscription.objects.filter(pk=laptop.pk).exists()


def test_removing_the_last_device_with_htmx_shows_the_empty_list(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    phone = add_device(sam)
    html = client_sam.post(reverse("push_device_remove", args=[phone.pk]), **HTMX)
    assert "No devices yet" in html.content.decode()


def test_someone_elses_device_cannot_be_removed(
    client_sam: Client, robin: AbstractBaseUser
) -> None:
    robins = add_device(robin)
    assert client_sam.post(reverse("push_device_remove", args=[robins.pk])).status_code == 404
    assert (
        client_sam.post(reverse("push_device_remove", args=[robins.pk]), **HTMX).status_code == 404
    )
    assert PushSubscription.objects.filter(pk=robins.pk).exists()


def test_a_guest_cannot_remove_a_device(client: Client, robin: AbstractBaseUser) -> None:
    robins = add_device(robin)
    response = client.post(reverse("push_device_remove", args=[robins.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert PushSubscription.objects.filter(pk=robins.pk).exists()


def test_removing_takes_only_post(client_sam: Client, sam: AbstractBaseUser) -> None:
    phone = add_device(sam)
    assert client_sam.get(reverse("push_device_remove", args=[phone.pk])).status_code == 405
    assert PushSubscription.objects.filter(pk=phone.pk).exists()


# The test notification ----------------------------------------------------------------------


@pytest.fixture
def fake_send(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """notifications.send_test_notification, answered per device: the first Android device gets
    it, a Firefox device's push service has forgotten it (410: removed), others fail."""
    from routines.reminders import notifications

    calls: list[Any] = []

    def send(user: Any) -> list[DeliveryAttempt]:
        calls.append(user)
        attempts = []
        for subscription in PushSubscription.objects.filter(user=user):
            if "Android" in subscription.user_agent:
                result, code = DeliveryResult.DELIVERED, 201
            elif "Firefox" in subscription.user_agent:
                result, code = DeliveryResult.GONE, 410
            else:
                result, code = DeliveryResult.FAILED, 400
            attempts.append(
                DeliveryAttempt(
                    subscription=subscription,
                    endpoint=subscription.endpoint,
                    at=timezone.now(),
                    result=result,
                    status_code=code,
                )
            )
            if result == DeliveryResult.GONE:
                subscription.delete()
        return attempts

    monkeypatch.setattr(notifications, "send_test_notification", send)
    return calls


def test_a_test_notification_says_which_devices_got_it_with_htmx(
    client_sam: Client, sam: AbstractBaseUser, fake_send: list[Any]
) -> None:
    add_device(sam)
    gone = add_device(sam, WINDOWS_FIREFOX)
    response = client_sam.post(reverse("push_test"), **HTMX)
    assert fake_send == [sam]
    html = response.content.decode()
    result, _, devices = html.partition('<div id="device-list"')
    text = page_text(result)
    assert "Chrome on Android: sent." in text
    assert "Firefox on Windows: this browser no longer accepts our notifications" in text
    # The list comes back out of band, without the device that has gone.
    assert 'hx-swap-oob="true"' in devices
    assert f'id="device-{gone.pk}"' not in devices
    assert "Chrome on Android" in devices


def test_a_test_notification_reports_with_messages_without_javascript(
    client_sam: Client, sam: AbstractBaseUser, fake_send: list[Any]
) -> None:
    add_device(sam)
    add_device(sam, "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15")
    response = client_sam.post(reverse("push_test"))
    assert response.status_code == 302
    assert response["Location"] == reverse("push_devices")
    shown = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert shown == [
        ("success", "Chrome on Android: sent."),
        ("error", "Safari on Mac: it did not go through."),
    ]


def test_a_test_notification_with_no_devices_sends_nothing_and_says_why(
    client_sam: Client, fake_send: list[Any]
) -> None:
    html = client_sam.post(reverse("push_test"), **HTMX).content.decode()
    assert fake_send == []
    assert "There is no device to send to yet" in html


def test_a_guest_cannot_send_a_test_notification(client: Client, fake_send: list[Any]) -> None:
    response = client.post(reverse("push_test"))
    assert response.status_code == 302
    assert fake_send == []


@pytest.fixture
def push_service(settings: Any, vapid: str) -> Iterator[PushReceiver]:
    """The local push service (tests/push_receiver.py), checking our VAPID signatures."""
    settings.PUSH_TEST_LOCAL_ENDPOINTS = True
    service = PushReceiver(vapid_public_key=vapid).start()
    yield service
    service.stop()


def test_a_test_notification_makes_a_real_round_trip_to_each_device(
    client_sam: Client, push_service: PushReceiver
) -> None:
    """Through the real delivery code to the local push service: the phone subscribed here
    gets the decrypted test payload; the laptop's subscription has expired (410)."""
    phone, laptop = push_service.add_device("phone"), push_service.add_device("laptop")
    assert post_json(client_sam, phone.subscription()).status_code == 201
    laptop_json = laptop.subscription()
    assert post_json(client_sam, laptop_json, user_agent=WINDOWS_FIREFOX).status_code == 201
    push_service.answer(laptop, 410)
    html = client_sam.post(reverse("push_test"), **HTMX).content.decode()
    result, _, devices = html.partition('<div id="device-list"')
    assert "Chrome on Android: sent." in page_text(result)
    assert "Firefox on Windows: this browser no longer accepts" in page_text(result)
    [push] = push_service.pushes_to(phone)
    assert push.payload["title"] == "Notifications are on"
    assert push.payload["tag"] == "unknot-test"
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [phone.endpoint]
    assert "Firefox on Windows" not in devices
    assert PushSubscription.objects.get().last_delivered_at is not None
