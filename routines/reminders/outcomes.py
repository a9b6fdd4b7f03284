"""What a push's answer means for its occurrence: the attempts saved, the occurrence marked
sent, retried later (with backoff), failed or released; and the attempts made without a
request (a push that could not be sent, one deferred)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from routines.reminders.models import (
    DeliveryAttempt,
    DeliveryResult,
    Occurrence,
    OccurrenceStatus,
)
from routines.reminders.push import record_attempts

if TYPE_CHECKING:
    from routines.reminders.dispatch import Job, _Open

DEFERRED = "Deferred: this device's push service timed out recently."
#: The longest wait before a retry, whatever the backoff or Retry-After says.
MAX_RETRY_DELAY_SECONDS = 3600


def backoff(attempt_number: int, retry_after: float | None) -> dt.timedelta:
    """Exponential backoff from the base (1x, 2x, 4x...), or longer if the service asked."""
    base = settings.REMINDERS_RETRY_BASE_SECONDS
    seconds = base * 2 ** (attempt_number - 1)
    if retry_after is not None:
        seconds = max(seconds, retry_after)
    return dt.timedelta(seconds=min(seconds, MAX_RETRY_DELAY_SECONDS))


def record(attempts: list[DeliveryAttempt]) -> None:
    """Save the attempts (inside the caller's transaction). An occurrence deleted meanwhile
    (its reminder or its owner was deleted) keeps its attempts, unlinked; the others are
    locked until they are in."""
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


def _retry(job: Job, detail: str, retry_after: float | None) -> DeliveryAttempt:
    """An attempt at `job` to be tried again (after `retry_after` seconds, if given)."""
    attempt = DeliveryAttempt(
        occurrence=job.occurrence,
        subscription=job.subscription,
        endpoint=job.subscription.endpoint,
        at=timezone.now(),
        result=DeliveryResult.RETRY,
        detail=detail,
    )
    attempt.retry_after = retry_after
    return attempt


def failed_to_send(job: Job, error: Exception) -> DeliveryAttempt:
    return _retry(job, f"Could not send: {error!r}"[:300], None)


def deferred_attempt(job: Job, seconds: float) -> DeliveryAttempt:
    attempt = _retry(job, DEFERRED, seconds)
    attempt.deferred = True
    return attempt


def mark(complete: list[tuple[_Open, list[DeliveryAttempt | None]]]) -> Counter[str]:
    """Mark occurrences that have every answer (each with its outcome): sent, in the app
    only, retry, failed, or released (pushes left unstarted: the next pass sends to those
    devices only). Call inside a transaction; returns how many of each."""
    now = timezone.now()
    sent: list[_Open] = []
    in_app: list[_Open] = []
    failed: list[_Open] = []
    released: list[_Open] = []
    retries: list[tuple[_Open, dt.timedelta]] = []
    for opened, outcome in complete:
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
                retries.append((opened, backoff(number, max(waits, default=None))))
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
    return Counter(
        sent=len(sent) + len(in_app),
        in_app=len(in_app),
        failed=len(failed),
        retry=len(retries),
        released=len(released),
    )
