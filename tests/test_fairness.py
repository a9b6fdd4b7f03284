"""Fair and resumable delivery, with real worker processes on the real clock.

- Fairness: one person at the caps (10 reminders x 10 devices, every device hanging) due in
  the same minute as many others: the others' pushes arrive about as soon as in a run
  without them (the bound is explained in the test).
- SIGKILL: a worker killed between sends resumes (after the lease) with only the devices not
  yet sent to; at most the one in-flight request is repeated, and pushes carry a Topic.

Waits are on events (the receiver's arrivals and pushes, the worker's output), never sleeps.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from routines.accounts.models import Profile
from routines.reminders.models import (
    DeliveryAttempt,
    DeliveryResult,
    Occurrence,
    OccurrenceStatus,
    PushSubscription,
    Reminder,
    ReminderKind,
    ScheduleKind,
)
from routines.reminders.outcomes import DEFERRED
from routines.reminders.push import TIMED_OUT

from .helpers.listeners import Listener
from .helpers.workers import WorkerProcess, worker_env
from .push_receiver import PushReceiver

NORMAL_USERS = 30
ABUSER_REMINDERS = 10
ABUSER_DEVICES = 10
#: The abuser's push requests hang until this deadline cuts them off.
PUSH_TIMEOUT = 3


@pytest.fixture
def processes() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for process in started:
        process.kill()


def fixed_reminder(user: Any) -> Reminder:
    """A daily reminder at a time far from now; the test makes it due by hand."""
    at = (timezone.now() + dt.timedelta(hours=12)).strftime("%H:%M")
    return Reminder(
        user=user,
        kind=ReminderKind.HYDRATION,
        schedule=ScheduleKind.FIXED,
        fixed_times=[at],
        next_fire_at=None,
    )


def make_people(names: list[str]) -> list[Any]:
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=name, password="!") for name in names
    )
    Profile.objects.bulk_create(Profile(user=user, timezone="UTC") for user in users)
    return users


def keys() -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from .push_receiver import b64url_encode

    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"p256dh": b64url_encode(point), "auth": b64url_encode(os.urandom(16))}


def lateness(receiver: PushReceiver, paths: set[str], due: float) -> list[float]:
    return sorted(p.arrived - due for p in receiver.pushes if p.path in paths)


@pytest.mark.django_db(transaction=True)
def test_an_abuser_at_the_caps_with_hanging_devices_does_not_delay_anyone_else(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], processes: list[WorkerProcess]
) -> None:
    hanging = Listener(mode="hang").start()
    try:
        # Two groups of normal people (one per run), one device each on the push service.
        normal = make_people([f"normal{n}" for n in range(2 * NORMAL_USERS)])
        devices = {user.pk: push_receiver.add_device() for user in normal}
        PushSubscription.objects.bulk_create(
            PushSubscription(user_id=pk, endpoint=d.endpoint, p256dh=d.p256dh, auth=d.auth)
            for pk, d in devices.items()
        )
        [abuser] = make_people(["abuser"])
        PushSubscription.objects.bulk_create(
            PushSubscription(user=abuser, endpoint=f"{hanging.origin}/push/{n}", **keys())
            for n in range(ABUSER_DEVICES)
        )
        reminders = Reminder.objects.bulk_create(
            [fixed_reminder(user) for user in normal]
            + [fixed_reminder(abuser) for _ in range(ABUSER_REMINDERS)]
        )
        first = [r.pk for r in reminders if r.user_id in {u.pk for u in normal[:NORMAL_USERS]}]
        second = [r.pk for r in reminders if r.user_id in {u.pk for u in normal[NORMAL_USERS:]}]
        abusive = [r.pk for r in reminders if r.user_id == abuser.pk]

        env = {
            **worker_env(vapid_keys),
            "PUSH_TIMEOUT_SECONDS": str(PUSH_TIMEOUT),
            "PUSH_CONNECT_TIMEOUT_SECONDS": "1",
            "PUSH_THREADS": "8",
            "PUSH_HOST_CONCURRENCY": "4",
        }
        worker = WorkerProcess(env, "--worker-id", "w-fair", "--idle", "0.05", "--batch-size", "10")
        processes.append(worker)
        worker.wait_for_line("w-fair: started")

        # The run without the abuser.
        due = timezone.now()
        Reminder.objects.filter(pk__in=first).update(next_fire_at=due)
        assert push_receiver.wait_for_pushes(NORMAL_USERS, timeout=60), worker.text()
        paths = {devices[pk].path for pk in (u.pk for u in normal[:NORMAL_USERS])}
        alone = lateness(push_receiver, paths, due.timestamp())

        # The same with the abuser's 10 reminders due at the same moment, first in line.
        due = timezone.now()
        Reminder.objects.filter(pk__in=abusive).update(next_fire_at=due - dt.timedelta(seconds=1))
        Reminder.objects.filter(pk__in=second).update(next_fire_at=due)
        assert push_receiver.wait_for_pushes(2 * NORMAL_USERS, timeout=60), worker.text()
        paths = {devices[pk].path for pk in (u.pk for u in normal[NORMAL_USERS:])}
        beside_abuser = lateness(push_receiver, paths, due.timestamp())
        # The abuser's first devices have been tried (and are hanging) meanwhile; once they
        # time out, the abuser's next pushes to them are deferred, not sent to hang again.
        assert hanging.wait_for_connections(1, timeout=30)
        worker.wait_for_line(" deferred)", timeout=60)

        assert worker.stop() == 0, worker.errors
    finally:
        hanging.stop()

    # The bound: the abuser's hanging requests hold at most PUSH_HOST_CONCURRENCY of the 8
    # threads and never hold up a pass (a pass stops waiting for them after 50 ms), so the
    # others lose at most a few short waits: within 1 s of the run without the abuser, and
    # well under the PUSH_TIMEOUT a single hanging request lasts (without these limits every
    # pass waited for the hanging requests, and the last people came 30+ s late).
    assert len(alone) == len(beside_abuser) == NORMAL_USERS
    assert beside_abuser[-1] <= alone[-1] + 1.0, (alone[-1], beside_abuser[-1])
    assert beside_abuser[-1] < PUSH_TIMEOUT
    # The abuser's devices timed out once each at most; later pushes to them were deferred
    # (backed off) and recorded as such, not sent again to hang.
    assert len(hanging.connections) <= ABUSER_DEVICES
    abuse = DeliveryAttempt.objects.filter(occurrence__reminder__user=abuser)
    assert abuse.filter(detail=TIMED_OUT).count() == len(hanging.connections)
    assert abuse.filter(detail=DEFERRED, result=DeliveryResult.RETRY).exists()
    assert not abuse.filter(result=DeliveryResult.DELIVERED).exists()
    sent = Occurrence.objects.filter(reminder__user__username__startswith="normal")
    assert sent.filter(status=OccurrenceStatus.SENT).count() == 2 * NORMAL_USERS


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_with_sigkill_between_sends_resumes_with_the_devices_not_yet_sent_to(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], processes: list[WorkerProcess]
) -> None:
    [user] = make_people(["sam"])
    phones = [push_receiver.add_device(f"phone{n}") for n in range(6)]
    PushSubscription.objects.bulk_create(
        PushSubscription(user=user, endpoint=d.endpoint, p256dh=d.p256dh, auth=d.auth)
        for d in phones
    )
    # The fourth device's service holds its answer: the worker is killed while it waits.
    in_flight = phones[3]
    push_receiver.simulate_latency(in_flight, seconds=30)
    reminder = fixed_reminder(user)
    reminder.next_fire_at = timezone.now()
    reminder.save()
    env = {
        **worker_env(vapid_keys),
        # One request at a time for the person, so the order of sends is the order of the
        # devices, and each answer is on record before the next request starts.
        "PUSH_PERSON_CONCURRENCY": "1",
        "PUSH_TIMEOUT_SECONDS": "2",
        "REMINDERS_LEASE_SECONDS": "8",
    }

    killed = WorkerProcess(env, "--worker-id", "w-killed", "--idle", "0.05")
    processes.append(killed)
    assert push_receiver.wait_for_arrivals(4, timeout=60), killed.text()
    killed.proc.kill()  # SIGKILL: no clean-up of any kind
    killed.proc.wait()
    assert [len(push_receiver.pushes_to(p)) for p in phones] == [1, 1, 1, 0, 0, 0]
    assert DeliveryAttempt.objects.count() == 3

    push_receiver.simulate_latency(in_flight, seconds=0)
    resumed = WorkerProcess(env, "--worker-id", "w-resumed", "--idle", "0.05")
    processes.append(resumed)
    # Once the lease has run out: the three devices not reached yet.
    assert push_receiver.wait_for_pushes(6, timeout=60), resumed.text()
    assert resumed.stop() == 0, resumed.errors

    counts = [len(push_receiver.pushes_to(p)) for p in phones]
    assert counts[:3] == [1, 1, 1] and counts[4:] == [1, 1]
    assert 1 <= counts[3] <= 2  # only the request in flight at the kill may come twice
    # Seven requests arrived: one per device, and the one in flight at the kill again.
    assert push_receiver.arrivals == 7
    answered = collections.Counter(r.path for r in push_receiver.requests)
    assert all(answered[p.path] == 1 for p in phones if p is not in_flight)
    occurrence = Occurrence.objects.get()
    assert (occurrence.status, occurrence.claimed_by) == (OccurrenceStatus.SENT, "w-resumed")
    assert DeliveryAttempt.objects.filter(result=DeliveryResult.DELIVERED).count() == 6
    # A repeat replaces rather than stacks: the same Topic and tag on every push.
    assert {p.topic for p in push_receiver.pushes} == {f"reminder-{reminder.pk}"}
    assert {p.payload["tag"] for p in push_receiver.pushes} == {f"reminder-{reminder.pk}"}
