"""The reminder worker: record each due occurrence once, claim it, send it, mark it.

One pass (`Worker.run_pass`) does four steps, each safe with several workers on SQLite or
PostgreSQL:

1. materialise: for every enabled reminder whose `next_fire_at` has come, record the
   Occurrence (unique per reminder and time, so recorded once) and move `next_fire_at` on with
   a compare-and-set UPDATE (`WHERE pk = ... AND next_fire_at = <old>`). After downtime only the
   newest due time is sent, and only if it is at most the catch-up grace old; older ones are
   recorded as missed, so a restart never sends a storm of stale reminders.
2. claim: take a batch of pending occurrences whose claim is free and whose retry time has
   come, setting `claimed_until` (a lease) and `claimed_by`. PostgreSQL skips rows another
   worker is claiming (`FOR UPDATE SKIP LOCKED`); SQLite runs the transaction with the write
   lock held (`BEGIN IMMEDIATE`), and the UPDATE re-checks the claim either way.
3. send: push to every device of each occurrence's owner at once, from a small thread pool, so
   one slow or failing device never holds up the others. Nothing is sent once the lease is too
   close to its end: another worker may take the occurrence after it.
4. mark: in one transaction, record every attempt, remove devices that are gone, and mark each
   occurrence sent (a device got it, or the person has no device: the app shows it), retry
   later with backoff (only temporary failures: 429, 5xx, timeouts; Retry-After honoured),
   failed (after the last attempt, or a permanent failure), or released (devices left untried
   near the lease's end; the next pass sends to those only).

A worker killed between claim and send loses nothing: the occurrence stays pending, its lease
runs out and another pass sends it. A device never gets the same occurrence twice from a
retry: devices that already got it (or refused it for good) are skipped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.db.models import F, Q
from django.templatetags.static import static
from django.urls import reverse
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
)
from routines.reminders.push import attempt_push, encode_payload, record_attempts
from routines.reminders.tokens import drank_token

logger = logging.getLogger(__name__)

#: After a long downtime, at most this many past times of one reminder are listed as missed.
MAX_MISSED_LISTED = 100
#: The longest wait before a retry, whatever the backoff or Retry-After says.
MAX_RETRY_DELAY_SECONDS = 3600
#: Nothing is sent later than this before the lease ends (on top of the push timeout).
LEASE_MARGIN_SECONDS = 5
TEST_TTL_SECONDS = 60


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDERS_LEASE_SECONDS)


def catch_up_grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDERS_CATCH_UP_GRACE_SECONDS)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def _profile(user: Any) -> Profile:
    try:
        return user.profile
    except Profile.DoesNotExist:
        return Profile.for_user(user)


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
        restricted = _profile(reminder.user).fluid_restriction
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


# Sending to many devices at once ------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    subscription: PushSubscription
    data: bytes
    occurrence: Occurrence | None = None


def send_all(
    jobs: Sequence[Job],
    *,
    ttl: int,
    pool: ThreadPoolExecutor,
    deadline: float | None = None,
) -> list[DeliveryAttempt | None]:
    """Push every job concurrently; the attempts in job order (unsaved). A job not started
    before `deadline` (time.monotonic()) is skipped: None in its place."""

    def one(job: Job) -> DeliveryAttempt | None:
        if deadline is not None and time.monotonic() > deadline:
            return None
        return attempt_push(job.subscription, job.data, ttl=ttl, occurrence=job.occurrence)

    return list(pool.map(one, jobs))


def send_test_notification(user: Any) -> list[DeliveryAttempt]:
    """Push a test notification to every device of `user` at once; the recorded attempts, in
    the order of the devices (a device that is gone has been removed)."""
    subscriptions = list(PushSubscription.objects.filter(user=user).order_by("pk"))
    if not subscriptions:
        return []
    data = encode_payload(payload_for_test_notification())
    threads = min(len(subscriptions), settings.PUSH_THREADS)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="push-test") as pool:
        attempts = send_all(
            [Job(subscription, data) for subscription in subscriptions],
            ttl=TEST_TTL_SECONDS,
            pool=pool,
        )
    done = [attempt for attempt in attempts if attempt is not None]
    record_attempts(done)
    return done


# Scheduling ---------------------------------------------------------------------------------


def due_times(
    reminder: Reminder, profile: Profile, now: dt.datetime
) -> tuple[list[dt.datetime], dt.datetime | None]:
    """The reminder's fire times from `next_fire_at` up to `now`, and the first after `now`.

    After a long downtime the list stops at MAX_MISSED_LISTED missed times, then goes on from
    the catch-up grace before `now`, so the newest due time is always in it.
    """
    times: list[dt.datetime] = []
    when = reminder.next_fire_at
    while when is not None and when <= now and len(times) < MAX_MISSED_LISTED:
        times.append(when)
        when = reminder.next_fire(profile, when)
    if when is not None and when <= now:
        when = reminder.next_fire(profile, max(now - catch_up_grace(), times[-1]))
        while when is not None and when <= now and len(times) < 2 * MAX_MISSED_LISTED:
            times.append(when)
            when = reminder.next_fire(profile, when)
    return times, when


# The worker's steps ------------------------------------------------------------------------


@dataclass
class PassReport:
    """What one pass did."""

    recorded: int = 0
    missed: int = 0
    claimed: int = 0
    sent: int = 0
    in_app: int = 0
    retry: int = 0
    failed: int = 0
    released: int = 0
    pushes: int = 0
    delivered: int = 0
    seconds: float = 0.0
    #: Seconds spent in each step: record, claim, send, mark.
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def did_work(self) -> bool:
        return bool(self.recorded or self.missed or self.claimed)

    def line(self, worker_id: str) -> str:
        return (
            f"{worker_id}: recorded {self.recorded} (missed {self.missed}), "
            f"claimed {self.claimed}: sent {self.sent} ({self.in_app} in the app only), "
            f"retry {self.retry}, failed {self.failed}, released {self.released}; "
            f"pushes {self.pushes} ({self.delivered} delivered) in {self.seconds * 1000:.0f} ms"
            + (
                " (" + ", ".join(f"{k} {v * 1000:.0f}" for k, v in self.steps.items()) + ")"
                if self.steps
                else ""
            )
        )


class _Changed(Exception):
    """A reminder changed under a compare-and-set: the batch is rolled back and done again."""


def materialise(now: dt.datetime | None = None, *, limit: int = 1000) -> tuple[int, int]:
    """Record the occurrences of reminders that are due; (recorded to send, recorded missed).

    The reminders are read with their rows locked (PostgreSQL: FOR UPDATE SKIP LOCKED, so two
    workers take different reminders; SQLite: the write lock of BEGIN IMMEDIATE), then moved
    on with compare-and-set UPDATEs, one per (old time, new time) group: in a burst, thousands
    of reminders share both, and one statement moves them all. If any did not move, something
    else changed them: nothing of the batch is kept, and the next pass does it again.
    """
    now = now or timezone.now()
    grace = catch_up_grace()
    try:
        with transaction.atomic():
            reminders = list(
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(enabled=True, next_fire_at__lte=now)
                .select_related("user__profile")
                .order_by("next_fire_at", "pk")[:limit]
            )
            moves: dict[tuple[dt.datetime, dt.datetime | None], list[int]] = defaultdict(list)
            occurrences: list[Occurrence] = []
            pending = missed = 0
            for reminder in reminders:
                times, following = due_times(reminder, _profile(reminder.user), now)
                moves[(reminder.next_fire_at, following)].append(reminder.pk)
                newest = times[-1]
                for when in times:
                    status = (
                        OccurrenceStatus.PENDING
                        if when == newest and when >= now - grace
                        else OccurrenceStatus.MISSED
                    )
                    pending += status == OccurrenceStatus.PENDING
                    missed += status == OccurrenceStatus.MISSED
                    occurrences.append(
                        Occurrence(reminder=reminder, scheduled_for=when, status=status)
                    )
            for (old, following), pks in moves.items():
                moved = Reminder.objects.filter(pk__in=pks, next_fire_at=old).update(
                    next_fire_at=following
                )
                if moved != len(pks):
                    raise _Changed
            # A time already recorded (a reschedule back to it) stays as it was.
            Occurrence.objects.bulk_create(occurrences, ignore_conflicts=True)
    except _Changed:
        logger.info("Reminders changed while being recorded; trying again in the next pass")
        return 0, 0
    return pending, missed


def _claim_free(now: dt.datetime) -> Q:
    return (
        Q(status=OccurrenceStatus.PENDING)
        & (Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    )


@dataclass
class Claim:
    occurrences: list[Occurrence]
    worker_id: str
    until: dt.datetime
    #: time.monotonic() after which nothing more is sent under this claim.
    deadline: float


def claim(worker_id: str, *, limit: int, now: dt.datetime | None = None) -> Claim:
    """Take up to `limit` pending occurrences that nobody holds and that are due to be sent."""
    now = now or timezone.now()
    started = time.monotonic()
    until = now + lease()
    with transaction.atomic():
        ids = list(
            Occurrence.objects.select_for_update(skip_locked=True)
            .filter(_claim_free(now))
            .order_by("scheduled_for", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Occurrence.objects.filter(_claim_free(now), pk__in=ids).update(
                claimed_until=until, claimed_by=worker_id
            )
    occurrences = list(
        Occurrence.objects.filter(pk__in=ids, claimed_by=worker_id, claimed_until=until)
        .select_related("reminder__routine", "reminder__user__profile")
        .order_by("scheduled_for", "pk")
    )
    margin = settings.PUSH_TIMEOUT_SECONDS + LEASE_MARGIN_SECONDS
    deadline = started + lease().total_seconds() - margin
    return Claim(occurrences, worker_id, until, deadline)


def _backoff(attempt_number: int, retry_after: float | None) -> dt.timedelta:
    """Exponential backoff from the base (1x, 2x, 4x...), or longer if the service asked."""
    base = settings.REMINDERS_RETRY_BASE_SECONDS
    seconds = base * 2 ** (attempt_number - 1)
    if retry_after is not None:
        seconds = max(seconds, retry_after)
    return dt.timedelta(seconds=min(seconds, MAX_RETRY_DELAY_SECONDS))


def send_and_mark(held: Claim, pool: ThreadPoolExecutor, report: PassReport) -> None:
    """Push the claimed occurrences to their owners' devices and record the outcome."""
    occurrences = held.occurrences
    if not occurrences:
        return
    user_ids = {o.reminder.user_id for o in occurrences}
    devices: dict[int, list[PushSubscription]] = defaultdict(list)
    for subscription in PushSubscription.objects.filter(user_id__in=user_ids).order_by("pk"):
        devices[subscription.user_id].append(subscription)
    # Devices that already got an occurrence (or refused it for good) in an earlier pass.
    done_before: dict[int, set[int | None]] = defaultdict(set)
    earlier_delivered: set[int] = set()
    for occurrence_id, subscription_id, result in DeliveryAttempt.objects.filter(
        occurrence_id__in=[o.pk for o in occurrences],
        result__in=[DeliveryResult.DELIVERED, DeliveryResult.FAILED],
    ).values_list("occurrence_id", "subscription_id", "result"):
        done_before[occurrence_id].add(subscription_id)
        if result == DeliveryResult.DELIVERED:
            earlier_delivered.add(occurrence_id)

    jobs: list[Job] = []
    for occurrence in occurrences:
        targets = [
            s
            for s in devices[occurrence.reminder.user_id]
            if s.pk not in done_before[occurrence.pk]
        ]
        if targets:
            data = encode_payload(notification_payload(occurrence))
            jobs.extend(Job(s, data, occurrence) for s in targets)
    sending = time.monotonic()
    results = send_all(
        jobs, ttl=settings.PUSH_REMINDER_TTL_SECONDS, pool=pool, deadline=held.deadline
    )
    report.steps["send"] = time.monotonic() - sending

    by_occurrence: dict[int, list[DeliveryAttempt | None]] = defaultdict(list)
    for job, attempt in zip(jobs, results, strict=True):
        by_occurrence[job.occurrence.pk].append(attempt)
    attempts = [a for a in results if a is not None]
    report.pushes += len(attempts)
    report.delivered += sum(a.result == DeliveryResult.DELIVERED for a in attempts)

    now = timezone.now()
    sent: list[int] = []
    in_app: list[int] = []
    failed: list[int] = []
    released: list[int] = []
    retries: list[tuple[int, dt.timedelta]] = []
    for occurrence in occurrences:
        outcome = by_occurrence.get(occurrence.pk, [])
        results_now = {a.result for a in outcome if a is not None}
        if None in outcome:
            released.append(occurrence.pk)
        elif DeliveryResult.DELIVERED in results_now or occurrence.pk in earlier_delivered:
            sent.append(occurrence.pk)
        elif DeliveryResult.RETRY in results_now:
            number = occurrence.attempts + 1
            if number >= settings.REMINDERS_MAX_ATTEMPTS:
                failed.append(occurrence.pk)
            else:
                waits = [a.retry_after for a in outcome if a and a.retry_after is not None]
                retries.append((occurrence.pk, _backoff(number, max(waits, default=None))))
        elif DeliveryResult.FAILED in results_now or done_before[occurrence.pk]:
            failed.append(occurrence.pk)
        else:  # no device, or every device is gone: the app shows it
            in_app.append(occurrence.pk)

    mine = Occurrence.objects.filter(
        claimed_by=held.worker_id, claimed_until=held.until, status=OccurrenceStatus.PENDING
    )
    with transaction.atomic():
        # An occurrence deleted meanwhile (its reminder or its owner was deleted) keeps its
        # attempts, unlinked; the others are locked until the marks are in.
        still_there = set(
            Occurrence.objects.select_for_update()
            .filter(pk__in=[o.pk for o in occurrences])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for attempt in attempts:
            if attempt.occurrence_id not in still_there:
                attempt.occurrence = None
        record_attempts(attempts)
        if sent or in_app:
            mine.filter(pk__in=sent + in_app).update(
                status=OccurrenceStatus.SENT,
                sent_at=now,
                claimed_until=None,
                retry_at=None,
                attempts=F("attempts") + 1,
            )
        if failed:
            mine.filter(pk__in=failed).update(
                status=OccurrenceStatus.FAILED,
                claimed_until=None,
                retry_at=None,
                attempts=F("attempts") + 1,
            )
        for pk, wait in retries:
            mine.filter(pk=pk).update(
                claimed_until=None, retry_at=now + wait, attempts=F("attempts") + 1
            )
        if released:
            mine.filter(pk__in=released).update(claimed_until=None)
    report.steps["mark"] = time.monotonic() - sending - report.steps["send"]
    report.sent += len(sent) + len(in_app)
    report.in_app += len(in_app)
    report.failed += len(failed)
    report.retry += len(retries)
    report.released += len(released)


class Worker:
    """A reminder worker: `run_pass()` does one round of materialise, claim, send, mark."""

    def __init__(
        self,
        worker_id: str | None = None,
        *,
        batch_size: int | None = None,
        threads: int | None = None,
    ) -> None:
        self.worker_id = (worker_id or default_worker_id())[:64]
        self.batch_size = batch_size or settings.REMINDERS_BATCH_SIZE
        self.threads = threads or settings.PUSH_THREADS
        self.pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="push")

    def run_pass(self) -> PassReport:
        started = time.monotonic()
        report = PassReport()
        report.recorded, report.missed = materialise(limit=self.batch_size * 5)
        report.steps["record"] = time.monotonic() - started
        held = claim(self.worker_id, limit=self.batch_size)
        report.claimed = len(held.occurrences)
        report.steps["claim"] = time.monotonic() - started - report.steps["record"]
        send_and_mark(held, self.pool, report)
        report.seconds = time.monotonic() - started
        return report

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: After a failed pass the worker waits this long, doubling with each failure in a row...
FAILURE_BACKOFF_FIRST_SECONDS = 1.0
#: ...up to this.
FAILURE_BACKOFF_MAX_SECONDS = 30.0


def failure_backoff(failures: int) -> float:
    """Seconds to wait after `failures` failed passes in a row: 1, 2, 4... at most 30."""
    return min(FAILURE_BACKOFF_FIRST_SECONDS * 2 ** (failures - 1), FAILURE_BACKOFF_MAX_SECONDS)


def _drop_connections() -> None:
    """Close this thread's database connections (outside a transaction) so the next pass
    opens new ones instead of reusing a broken one."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            with contextlib.suppress(DatabaseError):
                conn.close()


def run(
    worker: Worker,
    stop: threading.Event,
    *,
    once: bool = False,
    idle_seconds: float | None = None,
    before_pass: Callable[[], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> int:
    """Run passes until `stop` is set (finishing the pass in hand), or with `once` until a pass
    finds nothing to do. Sleeps `idle_seconds` when idle (woken at once by `stop`). A pass that
    fails (the database is down, say) is followed by a wait of 1 s, doubling with each failure
    in a row up to 30 s; a lost database connection is closed first. Returns the number of
    passes that did work."""
    idle = idle_seconds if idle_seconds is not None else settings.REMINDERS_IDLE_SECONDS
    log = log or logger.info
    busy = 0
    failures = 0
    while not stop.is_set():
        try:
            if before_pass:
                before_pass()
            report = worker.run_pass()
        except Exception as exc:
            if once:
                raise
            failures += 1
            wait = failure_backoff(failures)
            if isinstance(exc, OperationalError | InterfaceError):
                # The database went away (a restart, a network cut): drop the broken
                # connections and wait, doubling, until it answers again. What was claimed
                # stays pending under its lease, so nothing is lost; logged once per outage.
                if failures == 1:
                    logger.warning(
                        "%s: database unavailable (%s); retrying in %g s, then backing off",
                        worker.worker_id,
                        str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc),
                        wait,
                    )
                _drop_connections()
            else:
                logger.exception("%s: the pass failed; trying again shortly", worker.worker_id)
            stop.wait(wait)
            continue
        if failures:
            logger.warning("%s: working again after %d failed passes", worker.worker_id, failures)
            failures = 0
        if report.did_work:
            busy += 1
            log(report.line(worker.worker_id))
        elif once:
            break
        else:
            stop.wait(idle)
    return busy
