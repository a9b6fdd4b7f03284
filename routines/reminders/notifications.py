"""What a notification says: the payload of a reminder's push, and the test notification
sent from the devices page (every device at once, within the push deadline)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from routines.accounts.models import Profile
from routines.reminders.models import (
    DeliveryAttempt,
    DeliveryResult,
    Occurrence,
    PushSubscription,
    ReminderKind,
)
from routines.reminders.push import attempt_push, encode_payload, record_attempts
from routines.reminders.tokens import drank_token

#: How long a push service keeps a test notification for a phone that is offline.
TEST_TTL_SECONDS = 60


# Payloads -----------------------------------------------------------------------------------


def notification_payload(occurrence: Occurrence) -> dict[str, Any]:
    """What the service worker shows for one occurrence (under 4 KB as JSON).

    `tag` is per reminder, so a new one replaces the last on the device; hydration reminders
    carry the "Drank a glass" action and a signed URL that logs one glass for this occurrence.
    """
    reminder = occurrence.reminder
    payload: dict[str, Any] = {
        "tag": f"reminder-{reminder.pk}",
        "icon": static("img/icon-192.png"),  # Android shows PNG notification icons only
        "badge": static("img/badge-96.png"),
        "timestamp": int(occurrence.scheduled_for.timestamp() * 1000),
        "renotify": True,
    }
    if reminder.kind == ReminderKind.HYDRATION:
        restricted = Profile.loaded_with(reminder.user).fluid_restriction
        payload |= {
            "title": "Time for a drink",
            "body": (
                "If you have had a drink, you can log it here. Your care team's advice on "
                "fluids comes first."
                if restricted
                else "A glass of water, milk, tea or coffee all count towards today's goal."
            ),
            "url": reminder.open_url(),
            "actions": [{"action": "drank", "title": "Drank a glass"}],
            "drank_url": reverse("hydration_drank", kwargs={"token": drank_token(occurrence)}),
        }
    else:
        routine = reminder.routine
        payload |= {
            "title": f"Time to stretch: {routine.title}" if routine else "Time to stretch",
            "body": "Tap to open the routine when you are ready to start.",
            "url": reminder.open_url(),
        }
    return payload


def payload_for_test_notification() -> dict[str, Any]:
    return {
        "title": "Notifications are on",
        "body": "This is a test. Reminders will show up on this device like this one.",
        "icon": static("img/icon-192.png"),  # Android shows PNG notification icons only
        "badge": static("img/badge-96.png"),
        "tag": "unknot-test",
        "url": reverse("push_devices"),
    }


# The test notification ---------------------------------------------------------------------


#: The test notification waits this much longer than the push deadline for its threads.
TEST_MARGIN_SECONDS = 1.0
#: At most this many devices of one person are sent a test notification at once.
TEST_MAX_THREADS = 32


def send_test_notification(user: Any) -> list[DeliveryAttempt]:
    """Push a test notification to every device of `user` at once; the recorded attempts, in
    the order of the devices (a device that is gone has been removed).

    Every device is sent to at the same time, each request within PUSH_TIMEOUT_SECONDS, and
    the request handling this waits no longer than that (plus a small margin) however many
    devices hang: a device not reached by then is recorded as a temporary failure.
    """
    subscriptions = list(PushSubscription.objects.filter(user=user).order_by("pk"))
    if not subscriptions:
        return []
    payload = payload_for_test_notification()
    data = encode_payload(payload)
    deadline = time.monotonic() + settings.PUSH_TIMEOUT_SECONDS + TEST_MARGIN_SECONDS
    pool = ThreadPoolExecutor(
        max_workers=min(len(subscriptions), TEST_MAX_THREADS), thread_name_prefix="push-test"
    )
    try:
        futures = [
            pool.submit(attempt_push, s, data, ttl=TEST_TTL_SECONDS, topic=payload["tag"])
            for s in subscriptions
        ]
        wait(futures, timeout=max(deadline - time.monotonic(), 0))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    done: list[DeliveryAttempt] = []
    for subscription, future in zip(subscriptions, futures, strict=True):
        if future.done() and not future.cancelled():
            done.append(future.result())
        else:
            late = DeliveryAttempt(
                subscription=subscription, endpoint=subscription.endpoint, at=timezone.now()
            )
            late.result = DeliveryResult.RETRY
            late.detail = "The push service did not answer in time."
            done.append(late)
    record_attempts(done)
    return done
