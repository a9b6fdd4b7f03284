"""Sending the claimed occurrences' pushes fairly (the Dispatcher) and recording each answer as
it comes (what an answer means for its occurrence is in outcomes.py): a pass's report, a claim,
one push job."""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import itertools
import logging
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from routines.reminders.models import (
    DeliveryAttempt,
    DeliveryResult,
    Occurrence,
    PushSubscription,
)
from routines.reminders.notifications import notification_payload
from routines.reminders.outcomes import (
    deferred_attempt,
    failed_to_send,
    mark,
    record,
)
from routines.reminders.push import TIMED_OUT, attempt_push, encode_payload

logger = logging.getLogger(__name__)


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
    #: Pushes not sent because the device's push service timed out recently.
    deferred: int = 0
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
            f"pushes {self.pushes} ({self.delivered} delivered"
            + (f", {self.deferred} deferred" if self.deferred else "")
            + f") in {self.seconds * 1000:.0f} ms"
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


#: One person's occurrences a worker holds at once (the rest wait for a later pass).
PERSON_OPEN_OCCURRENCES = 3
#: A pass that is not draining stops waiting for answers after this long without one: the
#: requests still open (slow devices) finish in the background while the next pass claims
#: more work.
PASS_WAIT_SECONDS = 0.05
#: Answers are recorded this many at a time, or after this long, whichever comes first.
RECORD_GROUP = 64
RECORD_GATHER_SECONDS = 0.01


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
    - Each finished push is recorded soon (those that finished together in one transaction,
      with the occurrences they complete marked in it too), and its device and person count
      as busy until it is: a device never has more than one push that is not on record, so a
      worker killed with SIGKILL re-sends at most one request per device (the one on its way).
    - The push threads start the next pushes themselves as each one ends (`_answered`), so
      other devices' pushes go on while the worker's own thread writes a record: the record's
      time overlaps the sending instead of adding to it, and the answers that come in
      meanwhile go into the next record together.

    The queues, counters and lists are shared with the push threads under `lock`; only the
    worker's thread touches the database.
    """

    def __init__(self, pool: ThreadPoolExecutor, threads: int) -> None:
        self.pool = pool
        self.threads = threads
        #: Guards everything below; re-entrant, as a push that is over before its callback
        #: is attached runs the callback at once, in the thread that attaches it.
        self.lock = threading.Condition(threading.RLock())
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
        #: How many pushes have finished (or were dropped or deferred) so far.
        self.answers = 0
        self.seq = itertools.count()
        self._dispatching = False
        self._again = False

    @property
    def busy(self) -> bool:
        return bool(self.open)

    def add(self, held: Claim, report: PassReport) -> None:
        """Queue the pushes of newly claimed occurrences (those without any are marked)."""
        occurrences = [o for o in held.occurrences if o.pk not in self.open]
        if len(occurrences) < len(held.occurrences):
            # A claim must not take what this dispatcher is still sending (see `claim`'s
            # `exclude`): a second set of pushes would muddle whose answer is whose.
            logger.error(
                "%s: %d occurrences claimed while still being sent; left to the first claim",
                held.worker_id,
                len(held.occurrences) - len(occurrences),
            )
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
        slow = self._slow([s.pk for subs in devices.values() for s in subs])
        now = time.monotonic()
        turns: dict[int, int] = defaultdict(int)  # the person's next turn
        opened: list[_Open] = []
        jobs: list[tuple[int, Job]] = []
        for occurrence in occurrences:
            user_id = occurrence.reminder.user_id
            targets = [s for s in devices[user_id] if s.pk not in done_before[occurrence.pk]]
            opened.append(
                _Open(
                    occurrence,
                    held,
                    now,
                    len(targets),
                    done_before=bool(done_before[occurrence.pk]),
                    earlier_delivered=occurrence.pk in earlier_delivered,
                )
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
                jobs.append((turn, Job(subscription, data, occurrence, payload["tag"])))
        with self.lock:
            for subscription_id, until in slow.items():
                if until > self.slow_until.get(subscription_id, 0.0):
                    self.slow_until[subscription_id] = until
            for o in opened:
                self.open[o.occurrence.pk] = o
            for turn, job in jobs:
                heapq.heappush(self.queues[job.host], ((turn << 32) + next(self.seq), job))
            self._dispatch()
        self._finish(report)

    def _slow(self, subscription_ids: list[int]) -> dict[int, float]:
        """Devices another pass or worker found timing out recently (recorded attempts), and
        until when (time.monotonic()) they are deferred."""
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
        slow: dict[int, float] = {}
        for subscription_id, at in rows:
            if subscription_id is not None:
                slow[subscription_id] = now + backoff - (now_wall - at).total_seconds()
        return slow

    def pump(
        self,
        report: PassReport,
        *,
        drain: bool,
        refill_below: int | None = None,
        give_up_after: float | None = None,
    ) -> None:
        """Send what can be sent and record what finishes; with `drain` until all is done,
        else until no answer comes for PASS_WAIT_SECONDS (slow requests go on meanwhile) or,
        with `refill_below`, until fewer occurrences than that are open (time to claim more).

        Answers are recorded in groups (RECORD_GROUP, or after RECORD_GATHER_SECONDS) while
        the push threads go on with the other devices.

        With `give_up_after`, a drain stops waiting after that many seconds. Every push has
        its own deadline, so only a bug makes it stop short: what is left stays claimed until
        its lease ends, and a later pass sends it.
        """
        stop_at = None if give_up_after is None else time.monotonic() + give_up_after
        while True:
            if not drain and refill_below is not None and len(self.open) < refill_below:
                break
            with self.lock:
                self._dispatch()
                now = time.monotonic()
                record = bool(self.finished) and (
                    not self.inflight
                    or len(self.finished) >= RECORD_GROUP
                    or now - self.finished_since >= RECORD_GATHER_SECONDS
                )
                if not record:
                    if not self.inflight:
                        if not self.queued:
                            break
                        if not self.finished:
                            # Nothing on its way and nothing to record, yet nothing could
                            # start: only a bug leaves a device or person counted busy
                            # here. Let those jobs go (a later pass sends them) rather than
                            # spin.
                            logger.error("%d queued pushes could not start", self.release_queued())
                        continue  # dropped or deferred jobs are recorded next
                    timeout = None if drain else PASS_WAIT_SECONDS
                    if stop_at is not None:
                        left = stop_at - now
                        if left <= 0:
                            logger.error(
                                "Stopped waiting for %d pushes after %g s",
                                len(self.inflight),
                                give_up_after,
                            )
                            break
                        timeout = left if timeout is None else min(timeout, left)
                    if self.finished:
                        left = max(self.finished_since + RECORD_GATHER_SECONDS - now, 0.0)
                        timeout = left if timeout is None else min(timeout, left)
                    if not self._wait_answer(timeout) and not self.finished and not drain:
                        break
                    continue
            self._finish(report)  # outside the lock: the push threads go on meanwhile
        self._finish(report)

    def release_queued(self) -> int:
        """Drop every push not yet started: their occurrences are released when the pushes
        on their way are in, and a later pass (this worker's or another's) sends to those
        devices. How many were dropped."""
        with self.lock:
            dropped = [job for queue in self.queues.values() for _, job in queue]
            self.queues.clear()
            for job in dropped:
                self._done(job, None)
            return len(dropped)

    def wait(self, timeout: float) -> None:
        """Wait up to `timeout` for an open request to finish (an idle worker's nap)."""
        with self.lock:
            if self.inflight and not self.finished:
                self._wait_answer(timeout)

    def _wait_answer(self, timeout: float | None) -> bool:
        """Wait (with `lock` held) until a push is over; whether one was."""
        before = self.answers
        return self.lock.wait_for(lambda: self.answers != before, timeout)

    @property
    def queued(self) -> bool:
        return any(self.queues.values())

    def _done(self, job: Job, attempt: DeliveryAttempt | None) -> None:
        """A push is over (answered, dropped or deferred). Call with `lock` held."""
        if not self.finished:
            self.finished_since = time.monotonic()
        self.finished.append((job, attempt))
        self.answers += 1
        self.lock.notify_all()

    def _dispatch(self) -> None:
        """Start queued pushes while threads are free. Call with `lock` held; a call made
        while one is running (a callback run at once) makes the running one look again."""
        if self._dispatching:
            self._again = True
            return
        self._dispatching = True
        try:
            while True:
                self._again = False
                self._start()
                if not self._again:
                    break
        finally:
            self._dispatching = False

    def _start(self) -> None:
        """Submit queued pushes while threads are free: from the push services with a free
        slot, the one whose next push comes first in turn. Each push gets its callback as
        it starts (one that is already over runs it at once, here), so none is ever left
        without one; the pushes set aside go back in their queues whatever happens."""
        now = time.monotonic()
        aside: dict[str, list[tuple[int, Job]]] = defaultdict(list)
        try:
            self._start_some(now, aside)
        finally:
            for host, items in aside.items():
                for item in items:
                    heapq.heappush(self.queues[host], item)

    def _start_some(self, now: float, aside: dict[str, list[tuple[int, Job]]]) -> None:
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
            opened = self.open.get(job.occurrence.pk)
            if opened is None:  # a bug: nothing would record its answer
                logger.error("A push for occurrence %s was queued without it", job.occurrence.pk)
                continue
            if now > opened.held.deadline or now > opened.opened + occurrence_deadline:
                self._done(job, None)
                continue
            slow_until = self.slow_until.get(job.subscription.pk, 0.0)
            if slow_until > now:
                self._done(job, deferred_attempt(job, slow_until - now))
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
            future.add_done_callback(self._answered)

    def _answered(self, future: Future[DeliveryAttempt]) -> None:
        """A push is over (run in its push thread): note it, and start the next ones."""
        with self.lock:
            job = self.inflight.pop(future)
            self.host_busy[job.host] -= 1
            try:
                attempt = future.result()
            except Exception as error:  # a bug, not a delivery failure: retried like one
                logger.exception("A push could not be sent")
                attempt = failed_to_send(job, error)
            if getattr(attempt, "timed_out", False):
                self.slow_until[job.subscription.pk] = (
                    time.monotonic() + settings.PUSH_SLOW_DEVICE_BACKOFF_SECONDS
                )
            self._done(job, attempt)
            self._dispatch()

    def _finish(self, report: PassReport) -> None:
        """Record the finished pushes and mark the occurrences that have all their answers,
        in one transaction; then free their devices for the next push. If the database
        fails, the answers stay to be recorded by the next call."""
        with self.lock:
            finished, self.finished = self.finished, []
            since = self.finished_since
        now_finished: dict[int, list[DeliveryAttempt | None]] = defaultdict(list)
        for job, attempt in finished:
            assert job.occurrence is not None
            now_finished[job.occurrence.pk].append(attempt)
        complete = [
            (o, o.outcome + now_finished[pk])
            for pk, o in list(self.open.items())
            if o.waiting - len(now_finished.get(pk, ())) <= 0
        ]
        if not finished and not complete:
            return
        attempts = [a for _, a in finished if a is not None]
        try:
            with transaction.atomic():
                if attempts:
                    record(attempts)
                counts = mark(complete) if complete else Counter()
        except BaseException:
            with self.lock:  # kept for the next call, ahead of what came in meanwhile
                self.finished[:0] = finished
                self.finished_since = since
            raise
        sent_now = [a for a in attempts if not getattr(a, "deferred", False)]
        report.pushes += len(sent_now)
        report.delivered += sum(a.result == DeliveryResult.DELIVERED for a in sent_now)
        report.deferred += len(attempts) - len(sent_now)
        report.sent += counts["sent"]
        report.in_app += counts["in_app"]
        report.failed += counts["failed"]
        report.retry += counts["retry"]
        report.released += counts["released"]
        with self.lock:
            for job, attempt in finished:
                if attempt is not None and not getattr(attempt, "deferred", False):
                    # On record now: the device and its person may have the next push.
                    self.person_busy[job.subscription.user_id] -= 1
                    self.device_busy.discard(job.subscription.pk)
            for pk, attempts_now in now_finished.items():
                opened = self.open.get(pk)
                if opened is not None:
                    opened.outcome.extend(attempts_now)
                    opened.waiting -= len(attempts_now)
            for opened, _ in complete:
                self.open.pop(opened.occurrence.pk, None)
            self._dispatch()
