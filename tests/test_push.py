"""Web Push transport: real round trips to a local push service (tests/push_receiver.py).

Every push here is signed with VAPID, encrypted for a fake browser's keys, posted over HTTP to
127.0.0.1, checked and decrypted by the receiver; nothing is mocked.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from py_vapid import Vapid02

from routines.accounts.models import Profile
from routines.content.models import Purpose
from routines.reminders import tokens
from routines.reminders.models import (
    DeliveryAttempt,
    DeliveryResult,
    Occurrence,
    PushSubscription,
    ReminderKind,
)
from routines.reminders.notifications import notification_payload, send_test_notification
from routines.reminders.push import (
    MAX_PAYLOAD_BYTES,
    attempt_push,
    encode_payload,
    generate_vapid_keys,
    public_key_of,
    push_configured,
    record_attempts,
    retry_after_seconds,
    vapid_public_key,
    vapid_signer,
)
from tests.factories import make_routine
from tests.helpers.people import make_user
from tests.helpers.reminders import make_occurrence, subscribe
from tests.push_receiver import SIMULATED_LATENCY_SECONDS, PushReceiver

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def send_push(subscription: Any, payload: Any, *, ttl: int) -> Any:
    """One push to one device, recorded and applied, as the worker does it."""
    attempt = attempt_push(subscription, payload, ttl=ttl)
    record_attempts([attempt])
    return attempt


PAYLOAD = {"title": "Time for a drink", "body": "A glass now.", "tag": "reminder-1", "url": "/"}


# A round trip ------------------------------------------------------------------------------


def test_a_push_arrives_signed_for_the_service_and_decrypts_to_the_payload(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    device = push_receiver.add_device()
    subscription = subscribe(make_user(), device)

    attempt = send_push(subscription, PAYLOAD, ttl=120)

    assert attempt.result == DeliveryResult.DELIVERED
    assert attempt.status_code == 201
    [push] = push_receiver.pushes_to(device)
    assert push.payload == PAYLOAD
    assert push.ttl == 120
    assert push.claims["aud"] == push_receiver.origin
    assert push.claims["sub"] == vapid_keys["subject"]
    assert push_receiver.rejected == []
    saved = DeliveryAttempt.objects.get()
    assert (saved.subscription, saved.endpoint, saved.result) == (
        subscription,
        device.endpoint,
        DeliveryResult.DELIVERED,
    )
    subscription.refresh_from_db()
    assert subscription.last_delivered_at == saved.at


def test_a_raw_base64url_private_key_signs_as_well_as_a_pem(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], settings: object
) -> None:
    signer = vapid_signer(vapid_keys["private"])
    raw = signer.private_key.private_numbers().private_value.to_bytes(32, "big")
    settings.VAPID_PRIVATE_KEY = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    device = push_receiver.add_device()

    attempt = send_push(subscribe(make_user(), device), PAYLOAD, ttl=60)

    assert attempt.result == DeliveryResult.DELIVERED
    assert push_receiver.pushes_to(device)[0].payload == PAYLOAD


def test_a_push_signed_with_another_key_is_refused_and_recorded_as_failed(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], settings: object
) -> None:
    settings.VAPID_PRIVATE_KEY = generate_vapid_keys()[0]
    device = push_receiver.add_device()
    subscription = subscribe(make_user(), device)

    attempt = send_push(subscription, PAYLOAD, ttl=60)

    assert attempt.result == DeliveryResult.FAILED
    assert attempt.status_code == 403
    assert push_receiver.pushes_to(device) == []
    assert push_receiver.rejected == [
        (device.path, "signed with another key than the subscription's")
    ]
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_one_signed_token_serves_many_pushes_and_is_renewed_before_it_expires(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    device = push_receiver.add_device()
    subscription = subscribe(make_user(), device)
    start = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)

    with time_machine.travel(start, tick=False) as clock:
        send_push(subscription, PAYLOAD, ttl=60)
        clock.shift(dt.timedelta(hours=10, minutes=59))
        send_push(subscription, PAYLOAD, ttl=60)  # over an hour left: the same token
        clock.shift(dt.timedelta(minutes=2))
        send_push(subscription, PAYLOAD, ttl=60)  # under an hour left: a new one

    expiries = [push.claims["exp"] for push in push_receiver.pushes_to(device)]
    first = int(start.timestamp()) + 12 * 3600
    assert expiries == [first, first, first + 11 * 3600 + 60]
    assert push_receiver.rejected == []


def test_the_public_key_is_derived_from_the_private_key_when_not_set(
    vapid_keys: dict[str, str], settings: object
) -> None:
    settings.VAPID_PUBLIC_KEY = ""
    assert vapid_public_key() == vapid_keys["public"]
    assert public_key_of(Vapid02.from_pem(vapid_keys["private"].encode())) == vapid_keys["public"]


# What each answer means ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_a_device_that_is_gone_is_removed_and_the_attempt_kept(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], status: int
) -> None:
    device = push_receiver.add_device()
    push_receiver.answer(device, status)
    subscription = subscribe(make_user(), device)

    attempt = send_push(subscription, PAYLOAD, ttl=60)

    assert (attempt.result, attempt.status_code) == (DeliveryResult.GONE, status)
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()
    saved = DeliveryAttempt.objects.get()
    assert (saved.subscription, saved.endpoint, saved.result) == (
        None,
        device.endpoint,
        DeliveryResult.GONE,
    )


@pytest.mark.parametrize(
    ("status", "retry_after", "seconds"),
    [(429, "120", 120.0), (503, None, None), (500, "0", 0.0), (502, "soon", None)],
)
def test_busy_and_server_errors_are_temporary_with_the_wait_asked_for(
    push_receiver: PushReceiver,
    vapid_keys: dict[str, str],
    status: int,
    retry_after: str | None,
    seconds: float | None,
) -> None:
    device = push_receiver.add_device()
    push_receiver.answer(device, status, retry_after=retry_after)
    subscription = subscribe(make_user(), device)

    attempt = send_push(subscription, PAYLOAD, ttl=60)

    assert (attempt.result, attempt.status_code) == (DeliveryResult.RETRY, status)
    assert attempt.retry_after == seconds
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()
    assert DeliveryAttempt.objects.get().result == DeliveryResult.RETRY


def test_retry_after_as_an_http_date_counts_from_now(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    device = push_receiver.add_device()
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False):
        push_receiver.answer(device, 429, retry_after="Mon, 02 Mar 2026 10:05:00 GMT")
        attempt = send_push(subscribe(make_user(), device), PAYLOAD, ttl=60)
    assert attempt.retry_after == 300.0


@pytest.mark.parametrize("status", [400, 403, 413])
def test_other_refusals_fail_and_keep_the_device(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], status: int
) -> None:
    device = push_receiver.add_device()
    push_receiver.answer(device, status)
    subscription = subscribe(make_user(), device)

    attempt = send_push(subscription, PAYLOAD, ttl=60)

    assert (attempt.result, attempt.status_code) == (DeliveryResult.FAILED, status)
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_a_push_service_that_does_not_answer_in_time_is_a_temporary_failure(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], settings: object
) -> None:
    settings.PUSH_TIMEOUT_SECONDS = 0.2
    device = push_receiver.add_device()
    push_receiver.simulate_latency(device)

    attempt = send_push(subscribe(make_user(), device), PAYLOAD, ttl=60)

    assert attempt.result == DeliveryResult.RETRY
    assert attempt.status_code is None
    assert attempt.detail == "The push service did not answer."


def test_a_refused_connection_is_a_temporary_failure(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    keys = push_receiver.add_device()  # a browser's keys, for an endpoint that is down
    subscription = PushSubscription.objects.create(
        user=make_user(),
        endpoint=f"http://127.0.0.1:{port}/push/x",
        p256dh=keys.p256dh,
        auth=keys.auth,
    )

    attempt = send_push(subscription, PAYLOAD, ttl=60)

    assert attempt.result == DeliveryResult.RETRY
    assert attempt.detail.startswith("Network error")


def test_a_subscription_with_broken_keys_fails_without_raising(vapid_keys: dict[str, str]) -> None:
    subscription = PushSubscription.objects.create(
        user=make_user(), endpoint="http://127.0.0.1:9/push/x", p256dh="not-a-key", auth="zz"
    )

    attempt = send_push(subscription, PAYLOAD, ttl=60)

    assert attempt.result == DeliveryResult.FAILED
    assert DeliveryAttempt.objects.get().detail.startswith("Could not encrypt")


def test_plain_http_endpoints_are_refused_outside_development(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], settings: object
) -> None:
    settings.PUSH_TEST_LOCAL_ENDPOINTS = False
    device = push_receiver.add_device()

    attempt = send_push(subscribe(make_user(), device), PAYLOAD, ttl=60)

    assert attempt.result == DeliveryResult.FAILED
    assert attempt.detail == "Refused: The endpoint must use https."
    assert push_receiver.requests == []


def test_without_vapid_keys_push_is_off_and_nothing_is_posted(
    push_receiver: PushReceiver, settings: object
) -> None:
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_PUBLIC_KEY = ""
    settings.PUSH_TEST_LOCAL_ENDPOINTS = True
    device = push_receiver.add_device()

    attempt = send_push(subscribe(make_user(), device), PAYLOAD, ttl=60)

    assert not push_configured()
    assert vapid_public_key() == ""
    assert attempt.result == DeliveryResult.FAILED
    assert push_receiver.requests == []


def test_a_device_removed_while_its_push_was_on_the_way_keeps_the_attempt(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    from routines.reminders.push import attempt_push, record_attempts

    device = push_receiver.add_device()
    subscription = subscribe(make_user(), device)
    attempt = attempt_push(subscription, PAYLOAD, ttl=60)
    PushSubscription.objects.filter(pk=subscription.pk).delete()

    record_attempts([attempt])

    saved = DeliveryAttempt.objects.get()
    assert (saved.subscription_id, saved.endpoint) == (None, device.endpoint)


# Payload size ------------------------------------------------------------------------------


def test_a_long_body_is_shortened_to_fit_and_stays_valid_json() -> None:
    payload = {**PAYLOAD, "body": "Étirez-vous doucement. " * 400}

    encoded = encode_payload(payload)

    assert len(encoded) <= MAX_PAYLOAD_BYTES
    decoded = json.loads(encoded)
    assert decoded["body"].endswith("…")
    assert decoded["title"] == PAYLOAD["title"]
    assert payload["body"].startswith(decoded["body"][:-1])


def test_a_payload_that_cannot_be_shortened_enough_is_an_error() -> None:
    with pytest.raises(ValueError, match="cannot be sent"):
        encode_payload({"title": "x", "url": "/" + "a" * 5000})


def test_the_largest_payload_that_fits_is_accepted_by_the_push_service(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    device = push_receiver.add_device()
    payload = {"title": "t", "body": "b" * 5000}
    encoded = encode_payload(payload)

    attempt = send_push(subscribe(make_user(), device), payload, ttl=60)

    assert len(encoded) == MAX_PAYLOAD_BYTES
    assert attempt.result == DeliveryResult.DELIVERED  # the receiver refuses over 4096 bytes
    assert push_receiver.pushes_to(device)[0].payload == json.loads(encoded)


def test_retry_after_values_are_read_and_capped() -> None:
    now = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    assert retry_after_seconds("30", now) == 30
    assert retry_after_seconds("Mon, 02 Mar 2026 10:01:00 GMT", now) == 60
    assert retry_after_seconds("Mon, 02 Mar 2026 09:00:00 GMT", now) == 0
    assert retry_after_seconds("999999", now) == 3600
    assert retry_after_seconds("later", now) is None
    assert retry_after_seconds(None, now) is None


# Notifications' content ---------------------------------------------------------------------


def test_a_hydration_notification_carries_the_drank_action_for_its_occurrence_only() -> None:
    occurrence = make_occurrence(make_user())

    payload = notification_payload(occurrence)

    assert payload["title"] and payload["body"]
    assert "cramp" not in payload["body"].lower()
    assert payload["tag"] == f"reminder-{occurrence.reminder_id}"
    assert payload["url"] == reverse("hydration")
    assert payload["actions"] == [{"action": "drank", "title": "Drank a glass"}]
    token = payload["drank_url"].rstrip("/").rsplit("/", 1)[1]
    assert payload["drank_url"] == reverse("hydration_drank", kwargs={"token": token})
    assert tokens.occurrence_for_drank_token(token) == occurrence
    assert len(encode_payload(payload)) < 1024


def test_a_hydration_notification_sets_no_target_for_someone_on_a_fluid_restriction() -> None:
    user = make_user()
    Profile.objects.create(user=user, fluid_restriction=True)
    occurrence = make_occurrence(user)

    payload = notification_payload(occurrence)

    assert "goal" not in payload["body"]
    assert "care team" in payload["body"]


def test_a_stretch_notification_opens_its_routine_or_the_safety_check_for_relief() -> None:
    user = make_user()
    bedtime = make_routine("Bedtime stretches", purpose=Purpose.PREVENTION)
    relief = make_routine("Calf cramp relief", purpose=Purpose.RELIEF)
    prevention = notification_payload(make_occurrence(user, ReminderKind.STRETCH, routine=bedtime))
    relief_payload = notification_payload(
        make_occurrence(user, ReminderKind.STRETCH, routine=relief)
    )

    assert prevention["url"] == bedtime.get_absolute_url()
    assert "Bedtime stretches" in prevention["title"]
    assert relief_payload["url"] == reverse("safety_check", kwargs={"slug": relief.slug})
    assert "actions" not in prevention and "drank_url" not in prevention


def test_two_reminders_have_different_tags_and_repeats_of_one_share_its_tag() -> None:
    user = make_user()
    first, second = make_occurrence(user), make_occurrence(user)
    again = Occurrence.objects.create(
        reminder=first.reminder, scheduled_for=first.scheduled_for + dt.timedelta(hours=2)
    )
    assert notification_payload(first)["tag"] == notification_payload(again)["tag"]
    assert notification_payload(first)["tag"] != notification_payload(second)["tag"]


# Drank tokens --------------------------------------------------------------------------------


def test_a_drank_token_is_good_for_two_days_then_expires() -> None:
    occurrence = make_occurrence(make_user())
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False) as clock:
        token = tokens.drank_token(occurrence)
        clock.shift(dt.timedelta(days=2) - dt.timedelta(seconds=1))
        assert tokens.occurrence_for_drank_token(token) == occurrence
        clock.shift(dt.timedelta(seconds=2))
        assert tokens.occurrence_for_drank_token(token) is None


def test_a_tampered_or_foreign_token_finds_nothing() -> None:
    from django.core import signing

    occurrence = make_occurrence(make_user())
    token = tokens.drank_token(occurrence)
    assert tokens.occurrence_for_drank_token(token[:-2] + "xx") is None
    assert tokens.occurrence_for_drank_token(signing.dumps(occurrence.pk)) is None
    assert tokens.occurrence_for_drank_token("") is None
    stretch = make_occurrence(make_user("kim"), ReminderKind.STRETCH)
    assert tokens.occurrence_for_drank_token(tokens.drank_token(stretch)) is None


# The test notification ---------------------------------------------------------------------


def test_a_test_notification_reaches_every_device_and_says_which_failed(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    user = make_user()
    phone, laptop, old = (push_receiver.add_device() for _ in range(3))
    push_receiver.answer(old, 410)
    subscriptions = [subscribe(user, d) for d in (phone, laptop, old)]
    subscribe(make_user("kim"), push_receiver.add_device())

    attempts = send_test_notification(user)

    assert [a.endpoint for a in attempts] == [s.endpoint for s in subscriptions]
    assert [a.result for a in attempts] == [
        DeliveryResult.DELIVERED,
        DeliveryResult.DELIVERED,
        DeliveryResult.GONE,
    ]
    assert all(a.pk is not None and a.occurrence_id is None for a in attempts)
    assert push_receiver.pushes_to(phone)[0].payload["tag"] == "unknot-test"
    assert len(push_receiver.pushes) == 2
    assert set(PushSubscription.objects.filter(user=user)) == set(subscriptions[:2])


def test_a_slow_device_does_not_hold_up_the_test_notification_to_the_others(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    user = make_user()
    slow = push_receiver.add_device()
    push_receiver.simulate_latency(slow)
    fast = [push_receiver.add_device() for _ in range(3)]
    for device in (slow, *fast):  # the slow one first: sent in turn, it would hold the rest
        subscribe(user, device)

    attempts = send_test_notification(user)

    assert {a.result for a in attempts} == {DeliveryResult.DELIVERED}
    [slow_request] = push_receiver.requests_to(slow)
    for device in fast:
        [request] = push_receiver.requests_to(device)
        assert request.answered_clock < slow_request.answered_clock - SIMULATED_LATENCY_SECONDS / 2


def test_no_devices_means_no_test_attempts(vapid_keys: dict[str, str]) -> None:
    assert send_test_notification(make_user()) == []


# Development keys ----------------------------------------------------------------------------


def test_vapid_keys_are_written_once_and_never_overwritten(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("vapid_keys", "--dir", str(tmp_path / ".vapid"), verbosity=0, stdout=out)
    public = out.getvalue().strip()
    private_file = tmp_path / ".vapid" / "private_key.pem"
    private = private_file.read_text()

    again = io.StringIO()
    call_command("vapid_keys", "--dir", str(tmp_path / ".vapid"), verbosity=0, stdout=again)

    assert again.getvalue().strip() == public
    assert private_file.read_text() == private
    assert stat.S_IMODE(private_file.stat().st_mode) == 0o600
    assert public_key_of(vapid_signer(private)) == public
    assert (tmp_path / ".vapid" / "public_key.txt").read_text().strip() == public


def test_development_settings_read_the_keys_from_the_vapid_folder(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    call_command("vapid_keys", "--dir", str(keys), stdout=io.StringIO(), stderr=io.StringIO())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAPID_", "PUSH_", "DEBUG"))}
    script = (
        "from django.conf import settings as s; "
        "print(s.VAPID_PUBLIC_KEY, s.VAPID_SUBJECT, 'BEGIN PRIVATE KEY' in s.VAPID_PRIVATE_KEY)"
    )

    def public_key_seen(**extra: str) -> list[str]:
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", script],
            cwd=ROOT,
            env={**env, "VAPID_DEV_DIR": str(keys), **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    public = (keys / "public_key.txt").read_text().strip()
    assert public_key_seen(DEBUG="1") == [public, "mailto:developer@localhost", "True"]
    assert public_key_seen(DEBUG="0") == ["False"]  # outside development: no keys, no push
