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
import logging
import os
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from routines.accounts.models import Profile
from routines.reminders.dispatch import (
    PERSON_OPEN_OCCURRENCES,
    Claim,
    Dispatcher,
    PassReport,
)
from routines.reminders.models import (
    Occurrence,
    OccurrenceStatus,
    Reminder,
)

logger = logging.getLogger(__name__)

#: After a long downtime, at most this many past times of one reminder are listed as missed.
MAX_MISSED_LISTED = 100
#: Nothing is sent later than this before the lease ends (on top of the push timeout).
LEASE_MARGIN_SECONDS = 5
#: On stopping, how long past the push timeout the worker waits for pushes on their way.
CLOSE_GRACE_SECONDS = 2


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDERS_LEASE_SECONDS)


def catch_up_grace() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDERS_CATCH_UP_GRACE_SECONDS)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


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
                times, following = due_times(reminder, Profile.loaded_with(reminder.user), now)
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


def claim(
    worker_id: str,
    *,
    limit: int,
    now: dt.datetime | None = None,
    held_per_person: Mapping[int, int] | None = None,
    per_person: int | None = None,
    exclude: Collection[int] = (),
) -> Claim:
    """Take up to `limit` pending occurrences that nobody holds and that are due to be sent.

    `exclude` lists the occurrences this worker is still sending: should its thread have been
    held up past their lease (the database was down), they are not taken a second time.

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
            .exclude(pk__in=exclude)
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
        # Record what finished meanwhile, sending on only until there is room to claim more:
        # waiting here for every open push to finish would leave the threads idle at the end
        # of each batch, while the last devices' pushes go one at a time.
        least = max(self.batch_size // 4, 1)
        self.dispatcher.pump(report, drain=False, refill_below=self.batch_size - least + 1)
        room = self.batch_size - len(self.dispatcher.open)
        if room >= least or not self.dispatcher.open:
            held = claim(
                self.worker_id,
                limit=room,
                held_per_person=Counter(
                    o.occurrence.reminder.user_id for o in self.dispatcher.open.values()
                ),
                per_person=PERSON_OPEN_OCCURRENCES,
                exclude=list(self.dispatcher.open),
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

    def drain(self, *, give_up_after: float | None = None) -> PassReport:
        """Wait for every open push and mark its occurrence (or stop waiting after
        `give_up_after` seconds: see `Dispatcher.pump`)."""
        report = PassReport()
        self.dispatcher.pump(report, drain=True, give_up_after=give_up_after)
        return report

    def close(self) -> None:
        """Finish the pushes on their way, release the rest and stop.

        Pushes not yet started are let go at once (another worker, or this one after a
        restart, sends them). Those on their way each have a deadline, so this takes at most
        about PUSH_TIMEOUT_SECONDS; should one outlive it (a bug), the worker stops anyway
        CLOSE_GRACE_SECONDS later, and the lease sends its occurrence again later."""
        self.dispatcher.release_queued()
        self.drain(give_up_after=settings.PUSH_TIMEOUT_SECONDS + CLOSE_GRACE_SECONDS)
        self.pool.shutdown(wait=not self.dispatcher.inflight, cancel_futures=True)

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
        if report.did_work or report.pushes or report.sent or report.deferred:
            busy += 1
            log(report.line(worker.worker_id))
        elif once and not worker.busy:
            break
        elif worker.busy:
            worker.dispatcher.wait(min(idle, 0.5))  # an answer, or a moment to claim more
        else:
            stop.wait(idle)
    return busy
