"""Sending the claimed occurrences' pushes fairly (the Dispatcher), and recording each answer
as it comes: a pass's report, a claim, one push job, the retry backoff."""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import itertools
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from routines.reminders.models import (
    DeliveryAttempt,
    DeliveryResult,
    Occurrence,
    OccurrenceStatus,
    PushSubscription,
)
from routines.reminders.notifications import notification_payload
from routines.reminders.push import attempt_push, encode_payload, record_attempts

#: The longest wait before a retry, whatever the backoff or Retry-After says.
MAX_RETRY_DELAY_SECONDS = 3600


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


@dataclass
class Claim:
    occurrences: list[Occurrence]
    worker_id: str
    until: dt.datetime
    #: time.monotonic() after which nothing more is sent under this claim.
    deadline: float


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
