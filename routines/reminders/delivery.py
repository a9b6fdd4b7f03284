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
3. send: the Dispatcher pushes to every device of each occurrence's owner from a thread pool,
   fairly: in turns (everyone's first push before anyone's second), at most
   PUSH_HOST_CONCURRENCY requests to one push service, PUSH_PERSON_CONCURRENCY for one person
   and one per device; a device that timed out is deferred for
   PUSH_SLOW_DEVICE_BACKOFF_SECONDS; pushes not started within
   REMINDERS_OCCURRENCE_DEADLINE_SECONDS (or near the lease's end) wait for a later pass. A
   pass does not wait for slow requests: they finish while the next pass claims more.
4. mark: each answer is recorded as it comes (a few at a time; devices that are gone are
   removed), and an occurrence with all its answers is marked sent (a device got it, or the
   person has no device: the app shows it), retry later with backoff (only temporary
   failures: 429, 5xx, timeouts; Retry-After honoured), failed (after the last attempt, or a
   permanent failure), or released (devices left untried; the next pass sends to those only).

A worker killed between claim and send loses nothing: the occurrence stays pending, its lease
runs out and another pass sends it. A device never gets the same occurrence twice from a
retry: devices that already got it (or refused it for good) are skipped, and as each answer
is on record before the device gets another push, a worker killed with SIGKILL re-sends at
most the one request per device that was on its way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import heapq
import itertools
import logging
import os
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

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
    topic: str | None = None

    @functools.cached_property
    def host(self) -> str:
        """The push service (host and port) the job goes to."""
        return urlsplit(self.subscription.endpoint).netloc.lower()


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


def claim(
    worker_id: str,
    *,
    limit: int,
    now: dt.datetime | None = None,
    held_per_person: Mapping[int, int] | None = None,
    per_person: int | None = None,
) -> Claim:
    """Take up to `limit` pending occurrences that nobody holds and that are due to be sent.

    With `per_person`, at most that many of one person's occurrences are held at once
    (counting `held_per_person`, what this worker holds already): the others wait for a
    later pass, so one person's many reminders never fill a batch.
    """
    now = now or timezone.now()
    started = time.monotonic()
    until = now + lease()
    window = limit * 3 + 100 if per_person else limit
    with transaction.atomic():
        rows = list(
            Occurrence.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_claim_free(now))
            .order_by("scheduled_for", "pk")
            .values_list("pk", "reminder__user_id")[:window]
        )
        taken: Counter[int] = Counter(held_per_person or {})
        ids: list[int] = []
        for pk, user_id in rows:
            if per_person is not None and taken[user_id] >= per_person:
                continue
            taken[user_id] += 1
            ids.append(pk)
            if len(ids) >= limit:
                break
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


#: One person's occurrences a worker holds at once (the rest wait for a later pass).
PERSON_OPEN_OCCURRENCES = 3
#: A pass that is not draining stops waiting for answers after this long without one: the
#: requests still open (slow devices) finish in the background while the next pass claims
#: more work.
PASS_WAIT_SECONDS = 0.05
#: Answers are recorded this many at a time, or after this long, whichever comes first.
RECORD_GROUP = 64
RECORD_GATHER_SECONDS = 0.01
TIMED_OUT = "The push service did not answer."
DEFERRED = "Deferred: this device's push service timed out recently."


@dataclass
class _Open:
    """A claimed occurrence whose pushes are queued or on their way."""

    occurrence: Occurrence
    held: Claim
    opened: float
    waiting: int
    outcome: list[DeliveryAttempt | None] = field(default_factory=list)
    done_before: bool = False
    earlier_delivered: bool = False


class Dispatcher:
    """Sends the claimed occurrences' pushes fairly, and records each as it finishes.

    - At most `threads` requests at once, PUSH_HOST_CONCURRENCY to one push service,
      PUSH_PERSON_CONCURRENCY for one person and one to a device, so devices that hang hold
      only a few threads.
    - Jobs go in turns: every person's first push before anyone's second.
    - A device whose push service timed out is deferred (recorded as such) for
      PUSH_SLOW_DEVICE_BACKOFF_SECONDS; its occurrence is retried after that.
    - A push not started within REMINDERS_OCCURRENCE_DEADLINE_SECONDS of its occurrence's
      claim (or too close to the lease's end) is left for a later pass.
    - Each finished push is recorded at once (those that finished together in one
      transaction), and its device and person count as busy until it is: a device never has
      more than one push that is not on record, so a worker killed with SIGKILL re-sends at
      most one request per device (the one on its way). Other people's pushes go on while a
      record is written.
    """

    def __init__(self, pool: ThreadPoolExecutor, threads: int) -> None:
        self.pool = pool
        self.threads = threads
        #: Queued pushes per push service (host and port), each a heap in turn order.
        self.queues: dict[str, list[tuple[int, Job]]] = defaultdict(list)
        self.inflight: dict[Future[DeliveryAttempt], Job] = {}
        self.open: dict[int, _Open] = {}
        self.host_busy: Counter[str] = Counter()
        self.person_busy: Counter[int] = Counter()
        self.device_busy: set[int] = set()  # one request at a time to a device
        self.slow_until: dict[int, float] = {}
        self.finished: list[tuple[Job, DeliveryAttempt | None]] = []
        self.finished_since = 0.0
        self.seq = itertools.count()

    @property
    def busy(self) -> bool:
        return bool(self.open)

    def add(self, held: Claim, report: PassReport) -> None:
        """Queue the pushes of newly claimed occurrences (those without any are marked)."""
        occurrences = held.occurrences
        if not occurrences:
            return
        user_ids = {o.reminder.user_id for o in occurrences}
        devices: dict[int, list[PushSubscription]] = defaultdict(list)
        for subscription in PushSubscription.objects.filter(user_id__in=user_ids).order_by("pk"):
            devices[subscription.user_id].append(subscription)
        # Devices that already got an occurrence (or refused it for good) in an earlier pass,
        # or by a worker that was killed after recording it.
        done_before: dict[int, set[int | None]] = defaultdict(set)
        earlier_delivered: set[int] = set()
        for occurrence_id, subscription_id, result in DeliveryAttempt.objects.filter(
            occurrence_id__in=[o.pk for o in occurrences],
            result__in=[DeliveryResult.DELIVERED, DeliveryResult.FAILED],
        ).values_list("occurrence_id", "subscription_id", "result"):
            done_before[occurrence_id].add(subscription_id)
            if result == DeliveryResult.DELIVERED:
                earlier_delivered.add(occurrence_id)
        self._load_slow([s.pk for subs in devices.values() for s in subs])
        now = time.monotonic()
        turns: dict[int, int] = defaultdict(int)  # the person's next turn
        for occurrence in occurrences:
            user_id = occurrence.reminder.user_id
            targets = [s for s in devices[user_id] if s.pk not in done_before[occurrence.pk]]
            self.open[occurrence.pk] = _Open(
                occurrence,
                held,
                now,
                len(targets),
                done_before=bool(done_before[occurrence.pk]),
                earlier_delivered=occurrence.pk in earlier_delivered,
            )
            if not targets:
                continue
            payload = notification_payload(occurrence)
            data = encode_payload(payload)
            for subscription in targets:
                turn = turns[user_id]
                turns[user_id] += 1
                # In turns: (turn, sequence) keeps every person's first push ahead of
                # anyone's second, and earlier claims ahead of later ones within a turn.
                job = Job(subscription, data, occurrence, payload["tag"])
                heapq.heappush(
                    self.queues[job.host],
                    ((turn << 32) + next(self.seq), job),
                )
        self._finish(report)

    def _load_slow(self, subscription_ids: list[int]) -> None:
        """Devices another pass or worker found timing out recently (recorded attempts)."""
        backoff = settings.PUSH_SLOW_DEVICE_BACKOFF_SECONDS
        since = timezone.now() - dt.timedelta(seconds=backoff)
        rows = (
            DeliveryAttempt.objects.filter(
                subscription_id__in=subscription_ids,
                result=DeliveryResult.RETRY,
                detail=TIMED_OUT,
                at__gte=since,
            )
            .values_list("subscription_id", "at")
            .order_by("at")
        )
        now_wall, now = timezone.now(), time.monotonic()
        for subscription_id, at in rows:
            until = now + backoff - (now_wall - at).total_seconds()
            if subscription_id is not None and until > self.slow_until.get(subscription_id, 0):
                self.slow_until[subscription_id] = until

    def pump(self, report: PassReport, *, drain: bool, refill_below: int | None = None) -> None:
        """Send what can be sent and record what finishes; with `drain` until all is done,
        else until no answer comes for PASS_WAIT_SECONDS (slow requests go on meanwhile) or,
        with `refill_below`, until fewer occurrences than that are open (time to claim more).

        Answers are recorded in groups (RECORD_GROUP, or after RECORD_GATHER_SECONDS) while
        the other requests go on.
        """
        while True:
            if not drain and refill_below is not None and len(self.open) < refill_below:
                break
            self._dispatch()
            now = time.monotonic()
            if self.finished and (
                not self.inflight
                or len(self.finished) >= RECORD_GROUP
                or now - self.finished_since >= RECORD_GATHER_SECONDS
            ):
                self._finish(report)
                continue  # send what the record freed
            if not self.inflight:
                if not self.queued:
                    break
                continue  # every queued job was deferred or dropped: go on with the rest
            timeout = None if drain else PASS_WAIT_SECONDS
            if self.finished:
                left = max(self.finished_since + RECORD_GATHER_SECONDS - now, 0.0)
                timeout = left if timeout is None else min(timeout, left)
            done, _ = wait(list(self.inflight), timeout=timeout, return_when=FIRST_COMPLETED)
            self._collect(done)
            if not done and not self.finished and not drain:
                break
        self._finish(report)

    def _done(self, job: Job, attempt: DeliveryAttempt | None) -> None:
        if not self.finished:
            self.finished_since = time.monotonic()
        self.finished.append((job, attempt))

    def wait(self, timeout: float) -> None:
        """Wait up to `timeout` for an open request to finish (an idle worker's nap)."""
        if self.inflight:
            self._collect(
                wait(list(self.inflight), timeout=timeout, return_when=FIRST_COMPLETED)[0]
            )

    @property
    def queued(self) -> bool:
        return any(self.queues.values())

    def _dispatch(self) -> None:
        """Start queued pushes while threads are free: from the push services with a free
        slot, the one whose next push comes first in turn."""
        now = time.monotonic()
        aside: dict[str, list[tuple[int, Job]]] = defaultdict(list)
        occurrence_deadline = settings.REMINDERS_OCCURRENCE_DEADLINE_SECONDS
        host_limit = settings.PUSH_HOST_CONCURRENCY
        person_limit = settings.PUSH_PERSON_CONCURRENCY
        while len(self.inflight) < self.threads:
            heads = [
                (queue[0][0], host)
                for host, queue in self.queues.items()
                if queue and self.host_busy[host] < host_limit
            ]
            if not heads:
                break
            host = min(heads)[1]
            item = heapq.heappop(self.queues[host])
            job = item[1]
            assert job.occurrence is not None
            opened = self.open[job.occurrence.pk]
            if now > opened.held.deadline or now > opened.opened + occurrence_deadline:
                self._done(job, None)
                continue
            slow_until = self.slow_until.get(job.subscription.pk, 0.0)
            if slow_until > now:
                self._done(job, _deferred(job, slow_until - now))
                continue
            person = job.subscription.user_id
            if self.person_busy[person] >= person_limit or job.subscription.pk in self.device_busy:
                aside[host].append(item)
                continue
            self.device_busy.add(job.subscription.pk)
            self.host_busy[host] += 1
            self.person_busy[person] += 1
            future = self.pool.submit(
                attempt_push,
                job.subscription,
                job.data,
                ttl=settings.PUSH_REMINDER_TTL_SECONDS,
                occurrence=job.occurrence,
                topic=job.topic,
            )
            self.inflight[future] = job
        for host, items in aside.items():
            for item in items:
                heapq.heappush(self.queues[host], item)

    def _collect(self, done: Iterable[Future[DeliveryAttempt]]) -> None:
        for future in done:
            job = self.inflight.pop(future)
            self.host_busy[job.host] -= 1
            attempt = future.result()
            if getattr(attempt, "timed_out", False):
                self.slow_until[job.subscription.pk] = (
                    time.monotonic() + settings.PUSH_SLOW_DEVICE_BACKOFF_SECONDS
                )
            self._done(job, attempt)

    def _finish(self, report: PassReport) -> None:
        """Record the finished pushes, then mark the occurrences that have all their answers."""
        finished, self.finished = self.finished, []
        attempts = [a for _, a in finished if a is not None]
        if attempts:
            with transaction.atomic():
                # An occurrence deleted meanwhile (its reminder or its owner was deleted)
                # keeps its attempts, unlinked; the others are locked until they are in.
                still_there = set(
                    Occurrence.objects.select_for_update()
                    .filter(pk__in=sorted({a.occurrence_id for a in attempts}))
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
                for attempt in attempts:
                    if attempt.occurrence_id not in still_there:
                        attempt.occurrence = None
                record_attempts(attempts)
        sent_now = [a for a in attempts if not getattr(a, "deferred", False)]
        report.pushes += len(sent_now)
        report.delivered += sum(a.result == DeliveryResult.DELIVERED for a in sent_now)
        for job, attempt in finished:
            if attempt is not None and not getattr(attempt, "deferred", False):
                # On record now: the device and its person may have the next push.
                self.person_busy[job.subscription.user_id] -= 1
                self.device_busy.discard(job.subscription.pk)
            assert job.occurrence is not None
            opened = self.open[job.occurrence.pk]
            opened.outcome.append(attempt)
            opened.waiting -= 1
        complete = [o for o in self.open.values() if o.waiting <= 0]
        if complete:
            _mark(complete, report)
            for opened in complete:
                del self.open[opened.occurrence.pk]


def _deferred(job: Job, seconds: float) -> DeliveryAttempt:
    attempt = DeliveryAttempt(
        occurrence=job.occurrence,
        subscription=job.subscription,
        endpoint=job.subscription.endpoint,
        at=timezone.now(),
        result=DeliveryResult.RETRY,
        detail=DEFERRED,
    )
    attempt.retry_after = seconds
    attempt.deferred = True
    return attempt


def _mark(complete: list[_Open], report: PassReport) -> None:
    """Mark occurrences that have every answer: sent, in the app only, retry, failed, or
    released (pushes left unstarted: the next pass sends to those devices only)."""
    now = timezone.now()
    sent: list[_Open] = []
    in_app: list[_Open] = []
    failed: list[_Open] = []
    released: list[_Open] = []
    retries: list[tuple[_Open, dt.timedelta]] = []
    for opened in complete:
        outcome = opened.outcome
        occurrence = opened.occurrence
        results_now = {a.result for a in outcome if a is not None}
        if None in outcome:
            released.append(opened)
        elif DeliveryResult.DELIVERED in results_now or opened.earlier_delivered:
            sent.append(opened)
        elif DeliveryResult.RETRY in results_now:
            number = occurrence.attempts + 1
            if number >= settings.REMINDERS_MAX_ATTEMPTS:
                failed.append(opened)
            else:
                waits = [a.retry_after for a in outcome if a and a.retry_after is not None]
                retries.append((opened, _backoff(number, max(waits, default=None))))
        elif DeliveryResult.FAILED in results_now or opened.done_before:
            failed.append(opened)
        else:  # no device, or every device is gone: the app shows it
            in_app.append(opened)

    def mine(group: list[_Open]) -> Any:
        claims: dict[tuple[str, dt.datetime], list[int]] = defaultdict(list)
        for o in group:
            claims[(o.held.worker_id, o.held.until)].append(o.occurrence.pk)
        query = Q(pk__in=[])
        for (worker_id, until), pks in claims.items():
            query |= Q(pk__in=pks, claimed_by=worker_id, claimed_until=until)
        return Occurrence.objects.filter(query, status=OccurrenceStatus.PENDING)

    with transaction.atomic():
        if sent or in_app:
            mine(sent + in_app).update(
                status=OccurrenceStatus.SENT,
                sent_at=now,
                claimed_until=None,
                retry_at=None,
                attempts=F("attempts") + 1,
            )
        if failed:
            mine(failed).update(
                status=OccurrenceStatus.FAILED,
                claimed_until=None,
                retry_at=None,
                attempts=F("attempts") + 1,
            )
        for opened, wait_for in retries:
            mine([opened]).update(
                claimed_until=None, retry_at=now + wait_for, attempts=F("attempts") + 1
            )
        if released:
            mine(released).update(claimed_until=None)
    report.sent += len(sent) + len(in_app)
    report.in_app += len(in_app)
    report.failed += len(failed)
    report.retry += len(retries)
    report.released += len(released)


def send_and_mark(held: Claim, pool: ThreadPoolExecutor, report: PassReport) -> None:
    """Push the claimed occurrences to their owners' devices and record the outcome."""
    sending = time.monotonic()
    dispatcher = Dispatcher(pool, pool._max_workers)
    dispatcher.add(held, report)
    dispatcher.pump(report, drain=True)
    report.steps["send"] = time.monotonic() - sending


class Worker:
    """A reminder worker: `run_pass()` does one round of materialise, claim, send, mark.

    `run_pass()` sends and waits for every answer; `run_pass(drain=False)` (what `run` does)
    returns once no answer has come for a moment, leaving slow requests to finish while the
    next pass claims more, so one person's hanging devices never hold up other people's
    reminders. At most `batch_size` occurrences are open (claimed, not yet marked) at once.
    """

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
        self.dispatcher = Dispatcher(self.pool, self.threads)
        self.more_due = False

    @property
    def busy(self) -> bool:
        """Whether occurrences are still open (pushes queued or on their way)."""
        return self.dispatcher.busy

    def run_pass(self, *, drain: bool = True) -> PassReport:
        started = time.monotonic()
        report = PassReport()
        report.recorded, report.missed = materialise(limit=self.batch_size * 5)
        report.steps["record"] = time.monotonic() - started
        self.dispatcher.pump(report, drain=False)  # what finished meanwhile
        room = self.batch_size - len(self.dispatcher.open)
        if room >= self.batch_size // 4 or not self.dispatcher.open:
            held = claim(
                self.worker_id,
                limit=room,
                held_per_person=Counter(
                    o.occurrence.reminder.user_id for o in self.dispatcher.open.values()
                ),
                per_person=PERSON_OPEN_OCCURRENCES,
            )
            report.claimed = len(held.occurrences)
            report.steps["claim"] = time.monotonic() - started - report.steps["record"]
            self.dispatcher.add(held, report)
            # More are due if the claim was full: come back for them when there is room.
            self.more_due = len(held.occurrences) >= room
        sending = time.monotonic()
        refill = self.batch_size // 2 if self.more_due else None
        self.dispatcher.pump(report, drain=drain, refill_below=refill)
        report.steps["send"] = time.monotonic() - sending
        report.seconds = time.monotonic() - started
        return report

    def drain(self) -> PassReport:
        """Wait for every open push and mark its occurrence."""
        report = PassReport()
        self.dispatcher.pump(report, drain=True)
        return report

    def close(self) -> None:
        self.drain()
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
            report = worker.run_pass(drain=once)
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
        if report.did_work or report.pushes or report.sent:
            busy += 1
            log(report.line(worker.worker_id))
        elif once and not worker.busy:
            break
        elif worker.busy:
            worker.dispatcher.wait(min(idle, 0.5))  # an answer, or a moment to claim more
        else:
            stop.wait(idle)
    return busy
