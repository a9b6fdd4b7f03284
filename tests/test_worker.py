"""The reminder worker: record once, claim, send, mark; retries, leases, catch-up, processes.

Pushes go to a real local push service (tests/push_receiver.py). Time is frozen or moved with
time_machine; the tests that run the worker as separate processes use real time and wait on
events (the receiver's, or the processes' exit), never on sleeps.
"""

from __future__ import annotations

import collections
import datetime as dt
import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from routines.accounts.models import Profile
from routines.reminders import delivery, dispatch
from routines.reminders.delivery import Worker, claim, materialise
from routines.reminders.dispatch import PassReport
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
from tests.helpers.people import make_user
from tests.helpers.reminders import subscribe
from tests.helpers.workers import WorkerProcess, worker_env
from tests.push_receiver import SIMULATED_LATENCY_SECONDS, PushReceiver

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
UTC = dt.UTC
#: A Monday morning.
T = dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def every_15_minutes(user: Any, next_fire_at: dt.datetime | None = T, **fields: Any) -> Reminder:
    """A hydration reminder every 15 minutes from 08:00 to 20:00 UTC, every day."""
    return Reminder.objects.create(
        user=user,
        kind=fields.pop("kind", ReminderKind.HYDRATION),
        schedule=ScheduleKind.INTERVAL,
        interval_minutes=15,
        window_start=dt.time(8),
        window_end=dt.time(20),
        next_fire_at=next_fire_at,
        **fields,
    )


@pytest.fixture
def worker() -> Iterator[Worker]:
    with Worker("worker-a") as w:
        yield w


def at(moment: dt.datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


# Recording -----------------------------------------------------------------------------------


def test_a_due_occurrence_is_recorded_once_however_many_passes_see_it() -> None:
    reminder = every_15_minutes(make_user(timezone="UTC"))
    with at(T + dt.timedelta(seconds=30)):
        assert materialise() == (1, 0)
        assert materialise() == (0, 0)
        # A worker that read the reminder before the first one moved it on records it again:
        # the unique constraint keeps one row.
        Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=T)
        materialise()

    [occurrence] = Occurrence.objects.all()
    assert (occurrence.reminder, occurrence.scheduled_for) == (reminder, T)
    assert occurrence.status == OccurrenceStatus.PENDING
    reminder.refresh_from_db()
    assert reminder.next_fire_at == T + dt.timedelta(minutes=15)


def test_reminders_not_yet_due_or_disabled_record_nothing() -> None:
    user = make_user(timezone="UTC")
    every_15_minutes(user, next_fire_at=T + dt.timedelta(minutes=1))
    every_15_minutes(user, enabled=False)
    with at(T):
        assert materialise() == (0, 0)
    assert not Occurrence.objects.exists()


def test_reschedule_takes_the_next_time_from_the_schedule_and_saves_it() -> None:
    reminder = every_15_minutes(make_user(timezone="UTC"), next_fire_at=None)
    reminder.reschedule(Profile.for_user(reminder.user), T + dt.timedelta(minutes=1))
    reminder.refresh_from_db()
    assert reminder.next_fire_at == T + dt.timedelta(minutes=15)

    reminder.enabled = False
    reminder.save()
    reminder.reschedule(Profile.for_user(reminder.user), T)
    reminder.refresh_from_db()
    assert reminder.next_fire_at is None


# Claim, send, mark ---------------------------------------------------------------------------


def test_a_pass_sends_to_every_device_and_marks_the_occurrence_sent(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    user = make_user(timezone="UTC")
    phone, laptop = push_receiver.add_device(), push_receiver.add_device()
    subscribe(user, phone), subscribe(user, laptop)
    reminder = every_15_minutes(user)

    with at(T + dt.timedelta(seconds=5)):
        report = worker.run_pass()

    assert (report.recorded, report.claimed, report.sent, report.pushes) == (1, 1, 1, 2)
    occurrence = Occurrence.objects.get()
    assert occurrence.status == OccurrenceStatus.SENT
    assert occurrence.sent_at == T + dt.timedelta(seconds=5)
    assert (occurrence.attempts, occurrence.claimed_until, occurrence.retry_at) == (1, None, None)
    assert occurrence.claimed_by == "worker-a"
    for device in (phone, laptop):
        [push] = push_receiver.pushes_to(device)
        assert push.payload["tag"] == f"reminder-{reminder.pk}"
        assert push.payload["actions"] == [{"action": "drank", "title": "Drank a glass"}]
    attempts = DeliveryAttempt.objects.filter(occurrence=occurrence)
    assert sorted(a.endpoint for a in attempts) == sorted([phone.endpoint, laptop.endpoint])
    assert {a.result for a in attempts} == {DeliveryResult.DELIVERED}


def test_a_second_pass_sends_nothing_again(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    user = make_user(timezone="UTC")
    subscribe(user, push_receiver.add_device())
    every_15_minutes(user)
    with at(T):
        worker.run_pass()
        again = worker.run_pass()
    assert not again.did_work
    assert len(push_receiver.pushes) == 1


def test_someone_without_devices_gets_the_reminder_in_the_app_only(worker: Worker) -> None:
    every_15_minutes(make_user(timezone="UTC"))
    with at(T):
        report = worker.run_pass()
    assert (report.sent, report.in_app, report.pushes) == (1, 1, 0)
    assert Occurrence.objects.get().status == OccurrenceStatus.SENT
    assert not DeliveryAttempt.objects.exists()


def test_when_every_device_is_gone_they_are_removed_and_the_app_shows_it(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    user = make_user(timezone="UTC")
    for status in (404, 410):
        device = push_receiver.add_device()
        push_receiver.answer(device, status)
        subscribe(user, device)
    every_15_minutes(user)

    with at(T):
        report = worker.run_pass()

    assert report.in_app == 1
    assert Occurrence.objects.get().status == OccurrenceStatus.SENT
    assert not PushSubscription.objects.exists()
    assert [a.result for a in DeliveryAttempt.objects.all()] == [DeliveryResult.GONE] * 2


def test_one_device_getting_it_is_enough_and_the_failing_one_is_not_retried(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    user = make_user(timezone="UTC")
    good, busy = push_receiver.add_device(), push_receiver.add_device()
    push_receiver.answer(busy, 503)
    subscribe(user, good), subscribe(user, busy)
    every_15_minutes(user)

    with at(T):
        worker.run_pass()
    with at(T + dt.timedelta(minutes=5)):
        worker.run_pass()

    assert Occurrence.objects.get().status == OccurrenceStatus.SENT
    assert len(push_receiver.requests_to(busy)) == 1
    assert sorted(DeliveryAttempt.objects.values_list("result", flat=True)) == [
        DeliveryResult.DELIVERED,
        DeliveryResult.RETRY,
    ]


def test_temporary_failures_are_retried_with_doubling_waits_then_recorded_failed(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    user = make_user(timezone="UTC")
    device = push_receiver.add_device()
    push_receiver.answer(device, 503)
    subscribe(user, device)
    reminder = every_15_minutes(user, next_fire_at=T)
    waits = []
    now = T
    with at(now) as clock:
        worker.run_pass()
        for _ in range(4):
            occurrence = Occurrence.objects.get(reminder=reminder, scheduled_for=T)
            if occurrence.status != OccurrenceStatus.PENDING:
                break
            waits.append((occurrence.retry_at - now).total_seconds())
            # Not before its time...
            clock.move_to(occurrence.retry_at - dt.timedelta(seconds=1))
            assert worker.run_pass().claimed == 0
            # ...then at once.
            clock.move_to(occurrence.retry_at)
            now = occurrence.retry_at
            worker.run_pass()

    occurrence = Occurrence.objects.get(reminder=reminder, scheduled_for=T)
    assert waits == [30, 60, 120, 240]
    assert occurrence.status == OccurrenceStatus.FAILED
    assert occurrence.attempts == 5
    assert (occurrence.claimed_until, occurrence.retry_at, occurrence.sent_at) == (None,) * 3
    attempts = DeliveryAttempt.objects.filter(occurrence=occurrence)
    assert [a.result for a in attempts] == [DeliveryResult.RETRY] * 5
    assert len(push_receiver.requests_to(device)) == 5


def test_retry_after_longer_than_the_backoff_is_honoured(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    user = make_user(timezone="UTC")
    device = push_receiver.add_device()
    push_receiver.answer(device, 429, retry_after=600, times=1)
    subscribe(user, device)
    every_15_minutes(user)

    with at(T) as clock:
        worker.run_pass()
        occurrence = Occurrence.objects.get()
        assert occurrence.retry_at == T + dt.timedelta(seconds=600)
        clock.move_to(T + dt.timedelta(seconds=599))
        assert worker.run_pass().claimed == 0
        clock.move_to(T + dt.timedelta(seconds=600))
        report = worker.run_pass()

    assert report.sent == 1
    occurrence.refresh_from_db()
    assert (occurrence.status, occurrence.attempts) == (OccurrenceStatus.SENT, 2)
    assert len(push_receiver.pushes_to(device)) == 1


def test_a_permanent_refusal_fails_the_occurrence_at_once(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    user = make_user(timezone="UTC")
    device = push_receiver.add_device()
    push_receiver.answer(device, 400)
    subscribe(user, device)
    every_15_minutes(user)

    with at(T):
        report = worker.run_pass()

    assert report.failed == 1
    occurrence = Occurrence.objects.get()
    assert (occurrence.status, occurrence.attempts) == (OccurrenceStatus.FAILED, 1)
    assert PushSubscription.objects.exists()


def test_a_slow_device_does_not_delay_the_others(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    sam, kim = make_user("sam", timezone="UTC"), make_user("kim", timezone="UTC")
    slow = push_receiver.add_device()
    push_receiver.simulate_latency(slow)
    subscribe(sam, slow)  # first in line: sent in turn, it would hold up everyone after it
    fast = [push_receiver.add_device() for _ in range(3)]
    subscribe(sam, fast[0]), subscribe(sam, fast[1]), subscribe(kim, fast[2])
    every_15_minutes(sam), every_15_minutes(kim)

    with at(T):
        report = worker.run_pass()

    assert (report.sent, report.delivered) == (2, 4)
    [slow_request] = push_receiver.requests_to(slow)
    for device in fast:
        [request] = push_receiver.requests_to(device)
        assert request.answered_clock < slow_request.answered_clock - SIMULATED_LATENCY_SECONDS / 2


# Leases ---------------------------------------------------------------------------------------


def test_a_worker_killed_between_claim_and_send_loses_nothing(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker, settings: Any
) -> None:
    user = make_user(timezone="UTC")
    device = push_receiver.add_device()
    subscribe(user, device)
    every_15_minutes(user)
    lease = delivery.lease()

    with at(T) as clock:
        materialise()
        held = claim("worker-that-dies", limit=10)  # ...and then it is killed
        assert len(held.occurrences) == 1
        assert worker.run_pass().claimed == 0  # still held by the dead worker
        clock.move_to(T + lease - dt.timedelta(seconds=1))
        assert worker.run_pass().claimed == 0
        clock.move_to(T + lease)
        report = worker.run_pass()
        clock.move_to(T + 3 * lease)
        worker.run_pass()

    assert report.sent == 1
    occurrence = Occurrence.objects.get()
    assert (occurrence.status, occurrence.claimed_by) == (OccurrenceStatus.SENT, "worker-a")
    assert len(push_receiver.pushes_to(device)) == 1


def test_nothing_is_sent_when_too_little_of_the_lease_is_left_and_a_later_pass_sends_it(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker, settings: Any
) -> None:
    user = make_user(timezone="UTC")
    device = push_receiver.add_device()
    subscribe(user, device)
    every_15_minutes(user)
    settings.REMINDERS_LEASE_SECONDS = 5  # less than the push timeout and the margin
    with at(T):
        report = worker.run_pass()
    assert (report.claimed, report.released, report.pushes) == (1, 1, 0)
    assert push_receiver.requests == []
    occurrence = Occurrence.objects.get()
    assert (occurrence.status, occurrence.attempts, occurrence.claimed_until) == (
        OccurrenceStatus.PENDING,
        0,
        None,
    )

    settings.REMINDERS_LEASE_SECONDS = 60
    with at(T + dt.timedelta(seconds=1)):
        assert worker.run_pass().sent == 1
    assert len(push_receiver.pushes_to(device)) == 1


def test_a_lease_that_runs_out_while_this_worker_still_sends_is_not_claimed_again(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    # The worker's own thread was held up (the database was down, say) while a push was on
    # its way: the lease ran out. Claiming the occurrence again would queue a second push
    # for it and muddle what each answer belongs to.
    user = make_user(timezone="UTC")
    slow = push_receiver.add_device()
    push_receiver.simulate_latency(slow)
    subscribe(user, slow)
    every_15_minutes(user)

    with at(T) as clock:
        first = worker.run_pass(drain=False)
        assert (first.claimed, first.pushes) == (1, 0)
        assert worker.busy  # the push is still on its way
        clock.move_to(T + delivery.lease() + dt.timedelta(seconds=1))
        second = worker.run_pass(drain=False)
        third = worker.drain()

    assert second.claimed == 0
    assert (third.pushes, third.sent) == (1, 1)
    assert len(push_receiver.requests_to(slow)) == 1
    assert not worker.busy
    dispatcher = worker.dispatcher
    assert not dispatcher.queued and not dispatcher.inflight
    assert not +dispatcher.host_busy and not +dispatcher.person_busy
    assert dispatcher.device_busy == set()


def test_an_occurrence_already_on_its_way_is_not_queued_twice(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    user = make_user(timezone="UTC")
    device = push_receiver.add_device()
    push_receiver.simulate_latency(device)
    subscribe(user, device)
    every_15_minutes(user)

    with at(T):
        materialise()
        held = claim("worker-a", limit=10)
        report = PassReport()
        worker.dispatcher.add(held, report)
        worker.dispatcher.add(held, report)  # the same claim again, by mistake
        worker.dispatcher.pump(report, drain=True)

    assert (report.pushes, report.sent) == (1, 1)
    assert len(push_receiver.requests_to(device)) == 1
    assert not worker.busy and worker.dispatcher.device_busy == set()


def test_pushes_that_cannot_start_are_let_go_instead_of_spinning(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    # Only a bug could leave a device counted busy with nothing on its way; if one does, the
    # worker releases the occurrence (a later pass sends it) rather than loop for ever.
    user = make_user(timezone="UTC")
    device = push_receiver.add_device()
    subscription = subscribe(user, device)
    every_15_minutes(user)

    with at(T):
        materialise()
        held = claim("worker-a", limit=10)
        worker.dispatcher.device_busy.add(subscription.pk)  # the bug
        report = PassReport()
        worker.dispatcher.add(held, report)
        worker.dispatcher.pump(report, drain=True)

    assert (report.pushes, report.released) == (0, 1)
    assert push_receiver.requests == []
    occurrence = Occurrence.objects.get()
    assert (occurrence.status, occurrence.claimed_until) == (OccurrenceStatus.PENDING, None)


def test_closing_finishes_the_push_on_its_way_and_lets_the_queued_ones_go(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], settings: Any
) -> None:
    settings.PUSH_PERSON_CONCURRENCY = 1  # the second device waits its turn
    user = make_user(timezone="UTC")
    slow, waiting = push_receiver.add_device(), push_receiver.add_device()
    push_receiver.simulate_latency(slow)
    subscribe(user, slow), subscribe(user, waiting)
    every_15_minutes(user)

    with at(T):
        closing = Worker("worker-a")
        closing.run_pass(drain=False)
        assert closing.dispatcher.queued  # the second push has not started
        closing.close()  # SIGTERM

    assert len(push_receiver.pushes_to(slow)) == 1
    assert push_receiver.requests_to(waiting) == []
    occurrence = Occurrence.objects.get()
    assert (occurrence.status, occurrence.claimed_until) == (OccurrenceStatus.PENDING, None)

    # Released, not lost: the next worker sends to the device that had nothing yet.
    with at(T + dt.timedelta(seconds=2)), Worker("worker-b") as after:
        assert after.run_pass().sent == 1
    assert len(push_receiver.pushes_to(slow)) == 1
    assert len(push_receiver.pushes_to(waiting)) == 1


def test_closing_stops_waiting_for_a_push_that_outlives_its_deadline(
    push_receiver: PushReceiver,
    vapid_keys: dict[str, str],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A push that never ends would be a bug (each has a deadline); even then the worker
    # stops when told to, and the lease sends the occurrence again later.
    settings.PUSH_TIMEOUT_SECONDS = 0.1
    monkeypatch.setattr(delivery, "CLOSE_GRACE_SECONDS", 0.1)
    never = threading.Event()
    monkeypatch.setattr(dispatch, "attempt_push", lambda *args, **kwargs: never.wait())
    user = make_user(timezone="UTC")
    subscribe(user, push_receiver.add_device())
    every_15_minutes(user)

    try:
        with at(T):
            stuck = Worker("worker-a")
            stuck.run_pass(drain=False)
            assert stuck.dispatcher.inflight
            stuck.close()
        assert stuck.dispatcher.inflight  # given up on, not answered
        occurrence = Occurrence.objects.get()
        assert (occurrence.status, occurrence.claimed_by) == (OccurrenceStatus.PENDING, "worker-a")
    finally:
        never.set()


def test_a_device_that_already_got_an_occurrence_is_skipped_when_it_is_sent_again(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    user = make_user(timezone="UTC")
    got_it, waiting = push_receiver.add_device(), push_receiver.add_device()
    first = subscribe(user, got_it)
    subscribe(user, waiting)
    reminder = every_15_minutes(user, next_fire_at=T + dt.timedelta(minutes=15))
    # An earlier pass reached the first device, then had to let the occurrence go.
    occurrence = Occurrence.objects.create(reminder=reminder, scheduled_for=T)
    DeliveryAttempt.objects.create(
        occurrence=occurrence,
        subscription=first,
        endpoint=first.endpoint,
        at=T,
        result=DeliveryResult.DELIVERED,
    )

    with at(T + dt.timedelta(seconds=2)):
        worker.run_pass()

    assert push_receiver.requests_to(got_it) == []
    assert len(push_receiver.pushes_to(waiting)) == 1
    occurrence.refresh_from_db()
    assert occurrence.status == OccurrenceStatus.SENT


def test_a_reminder_deleted_while_its_push_is_on_the_way_spoils_nothing_else(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    sam, kim = make_user("sam", timezone="UTC"), make_user("kim", timezone="UTC")
    subscribe(sam, push_receiver.add_device())
    subscribe(kim, push_receiver.add_device())
    deleted, kept = every_15_minutes(sam), every_15_minutes(kim)

    with at(T):
        materialise()
        held = claim("worker-a", limit=10)
        deleted.delete()  # in the web app, while the worker sends
        delivery.send_and_mark(held, worker.pool, PassReport())

    assert Occurrence.objects.get().reminder == kept
    assert Occurrence.objects.get().status == OccurrenceStatus.SENT
    assert len(push_receiver.pushes) == 2
    assert sorted(
        DeliveryAttempt.objects.values_list("occurrence__reminder", flat=True), key=str
    ) == sorted([None, kept.pk], key=str)


# Downtime -------------------------------------------------------------------------------------


def test_after_three_hours_down_one_reminder_is_sent_and_the_rest_recorded_missed(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    user = make_user(timezone="UTC")
    device = push_receiver.add_device()
    subscribe(user, device)
    reminder = every_15_minutes(user, next_fire_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    back = dt.datetime(2026, 3, 2, 12, 5, tzinfo=UTC)  # the worker was down 09:00 to 12:05

    with at(back):
        report = worker.run_pass()

    assert (report.recorded, report.missed, report.sent) == (1, 12, 1)
    occurrences = Occurrence.objects.filter(reminder=reminder)
    assert occurrences.count() == 13  # 09:00, 09:15, ... 12:00
    assert occurrences.filter(status=OccurrenceStatus.MISSED).count() == 12
    sent = occurrences.get(status=OccurrenceStatus.SENT)
    assert sent.scheduled_for == dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert len(push_receiver.pushes) == 1
    reminder.refresh_from_db()
    assert reminder.next_fire_at == dt.datetime(2026, 3, 2, 12, 15, tzinfo=UTC)


def test_after_downtime_a_newest_time_older_than_the_grace_is_missed_too(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], worker: Worker
) -> None:
    user = make_user(timezone="UTC")
    subscribe(user, push_receiver.add_device())
    reminder = every_15_minutes(user, next_fire_at=dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    with at(dt.datetime(2026, 3, 2, 12, 12, tzinfo=UTC)):  # 12:00 is 12 minutes old
        report = worker.run_pass()

    assert (report.recorded, report.missed, report.claimed) == (0, 13, 0)
    assert push_receiver.requests == []
    reminder.refresh_from_db()
    assert reminder.next_fire_at == dt.datetime(2026, 3, 2, 12, 15, tzinfo=UTC)


def test_after_a_week_down_the_missed_list_is_bounded_and_the_newest_is_still_sent(
    worker: Worker,
) -> None:
    reminder = every_15_minutes(
        make_user(timezone="UTC"), next_fire_at=dt.datetime(2026, 2, 23, 8, tzinfo=UTC)
    )
    back = dt.datetime(2026, 3, 2, 12, 5, tzinfo=UTC)

    with at(back):
        report = worker.run_pass()

    assert report.missed == delivery.MAX_MISSED_LISTED
    assert report.sent == 1
    sent = Occurrence.objects.get(status=OccurrenceStatus.SENT)
    assert sent.scheduled_for == dt.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    reminder.refresh_from_db()
    assert reminder.next_fire_at == dt.datetime(2026, 3, 2, 12, 15, tzinfo=UTC)


# The command -----------------------------------------------------------------------------------


def test_the_once_command_sends_what_is_due_logs_the_batch_and_exits(
    push_receiver: PushReceiver, vapid_keys: dict[str, str]
) -> None:
    user = make_user(timezone="UTC")
    subscribe(user, push_receiver.add_device())
    every_15_minutes(user)
    every_15_minutes(make_user("kim", timezone="UTC"), next_fire_at=T + dt.timedelta(hours=1))
    out = io.StringIO()

    with at(T):
        call_command("reminders_worker", "--once", "--worker-id", "w1", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "w1: started (once)"
    assert lines[1].startswith("w1: recorded 1 (missed 0), claimed 1: sent 1")
    assert lines[-1] == "w1: stopped"
    assert len(lines) == 3
    assert Occurrence.objects.get().status == OccurrenceStatus.SENT
    assert len(push_receiver.pushes) == 1


# Worker processes -------------------------------------------------------------------------------


@pytest.fixture
def processes() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for process in started:
        process.kill()


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_the_worker_after_it_finishes_the_batch_in_hand(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], processes: list[WorkerProcess]
) -> None:
    user = make_user(timezone="UTC")
    device = push_receiver.add_device()
    push_receiver.simulate_latency(device, seconds=1.5)
    subscribe(user, device)
    # Due 5 s ago; its next time is a daily one 12 hours away, so however long the test takes
    # (the worker is a real process on the real clock), no second time falls due.
    now = timezone.now()
    Reminder.objects.create(
        user=user,
        kind=ReminderKind.HYDRATION,
        schedule=ScheduleKind.FIXED,
        fixed_times=[(now + dt.timedelta(hours=12)).strftime("%H:%M")],
        next_fire_at=now - dt.timedelta(seconds=5),
    )

    process = WorkerProcess(worker_env(vapid_keys), "--worker-id", "w-term", "--idle", "0.2")
    processes.append(process)
    assert push_receiver.wait_for_arrivals(1, timeout=60), process.text()
    # The push is on its way (the device takes 1.5 s to answer): stop the worker now.
    returncode = process.stop()

    assert returncode == 0, process.errors
    assert "SIGTERM: stopping after the batch in hand" in process.text()
    assert process.text().rstrip().endswith("w-term: stopped")
    occurrence = Occurrence.objects.get()
    assert (occurrence.status, occurrence.claimed_by) == (OccurrenceStatus.SENT, "w-term")
    assert len(push_receiver.pushes_to(device)) == 1


@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_stops_at_once_on_sigterm(
    vapid_keys: dict[str, str], processes: list[WorkerProcess]
) -> None:
    process = WorkerProcess(worker_env(vapid_keys), "--worker-id", "w-idle", "--idle", "600")
    processes.append(process)
    process.wait_for_line("w-idle: started")
    started = time.monotonic()

    assert process.stop(timeout=20) == 0, process.errors
    assert time.monotonic() - started < 20
    assert "w-idle: stopped" in process.text()


@pytest.mark.django_db(transaction=True)
def test_three_worker_processes_deliver_each_of_2000_occurrences_exactly_once(
    push_receiver: PushReceiver, vapid_keys: dict[str, str], processes: list[WorkerProcess]
) -> None:
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"user{n}", password="!") for n in range(100)
    )
    Profile.objects.bulk_create(Profile(user=user, timezone="Europe/London") for user in users)
    PushSubscription.objects.bulk_create(
        PushSubscription(user=user, endpoint=d.endpoint, p256dh=d.p256dh, auth=d.auth)
        for user, d in ((user, push_receiver.add_device()) for user in users)
    )
    reminders = Reminder.objects.bulk_create(
        Reminder(
            user=user,
            kind=ReminderKind.HYDRATION if n % 2 else ReminderKind.STRETCH,
            schedule=ScheduleKind.FIXED,
            fixed_times=["12:00"],
        )
        for user in users
        for n in range(20)
    )
    env = worker_env(vapid_keys)
    for name in ("w1", "w2", "w3"):
        process = WorkerProcess(env, "--worker-id", name, "--idle", "0.05", "--batch-size", "50")
        processes.append(process)
    for process, name in zip(processes, ("w1", "w2", "w3"), strict=True):
        process.wait_for_line(f"{name}: started")

    # All three are polling: make the 2,000 reminders due at once.
    due = timezone.now() - dt.timedelta(seconds=30)
    assert Reminder.objects.update(next_fire_at=due) == 2000
    assert push_receiver.wait_for_pushes(2000, timeout=300)
    returncodes = [process.stop() for process in processes]

    assert returncodes == [0, 0, 0], [p.errors for p in processes]
    pushes = collections.Counter((p.path, p.payload["tag"]) for p in push_receiver.pushes)
    assert len(pushes) == 2000
    assert set(pushes.values()) == {1}
    assert push_receiver.rejected == []
    occurrences = Occurrence.objects.all()
    assert occurrences.count() == 2000
    assert set(occurrences.values_list("status", flat=True)) == {OccurrenceStatus.SENT}
    assert set(occurrences.values_list("scheduled_for", flat=True)) == {due}
    assert {o.reminder_id for o in occurrences} == {r.pk for r in reminders}
    assert DeliveryAttempt.objects.filter(result=DeliveryResult.DELIVERED).count() == 2000
    assert DeliveryAttempt.objects.count() == 2000
    workers = set(occurrences.values_list("claimed_by", flat=True))
    assert len(workers) >= 2, workers  # the work was shared
