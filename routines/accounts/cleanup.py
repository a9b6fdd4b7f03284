"""Clean-up: removing what has expired, in small batches, from the reminder worker (every
CLEANUP_EVERY_SECONDS) and from `manage.py cleanup`.

Each app offers its own clean-up functions, listed in the setting CLEANUP_TASKS as dotted
paths, so this module imports no app above accounts (the layering of .importlinter holds):
each takes `now` and returns how many rows it removed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import models
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def delete_in_batches(queryset: models.QuerySet[Any], batch_size: int | None = None) -> int:
    """Delete the rows of `queryset` a batch at a time (each batch its own short transaction,
    so nobody waits long on a lock); the number of rows deleted."""
    size = batch_size or settings.CLEANUP_BATCH_SIZE
    model = queryset.model
    total = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:size])
        if not ids:
            return total
        model._default_manager.filter(pk__in=ids).delete()
        total += len(ids)


def expired_sessions(now: dt.datetime) -> int:
    """Sessions past their expiry date. A session engine without a table clears its own."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        store.clear_expired()
        return 0
    return delete_in_batches(store.get_model_class().objects.filter(expire_date__lt=now))


def expired_counts(now: dt.datetime) -> int:
    """The throttles' counters whose window has passed (the "throttle" cache)."""
    throttle = caches[settings.RATELIMIT_USE_CACHE]
    delete_expired = getattr(throttle, "delete_expired", None)
    if delete_expired is None:  # memcached or Redis expire their own keys
        return 0
    return int(delete_expired(settings.CLEANUP_BATCH_SIZE))


def run_cleanup(now: dt.datetime) -> dict[str, int]:
    """Run every task of CLEANUP_TASKS; rows removed by each. A task that fails is logged and
    the others still run."""
    removed: dict[str, int] = {}
    for path in settings.CLEANUP_TASKS:
        task: Callable[[dt.datetime], int] = import_string(path)
        try:
            removed[path] = task(now)
        except Exception:
            logger.exception("Clean-up task %s failed", path)
    return removed


class PeriodicCleanup:
    """Runs the clean-up when it is due: at the first call, then once every
    CLEANUP_EVERY_SECONDS (by the wall clock, so tests move it with time-machine)."""

    def __init__(self, every_seconds: float | None = None) -> None:
        seconds = settings.CLEANUP_EVERY_SECONDS if every_seconds is None else every_seconds
        self.every = dt.timedelta(seconds=seconds)
        self.next_at: dt.datetime | None = None

    def __call__(self, now: dt.datetime) -> dict[str, int] | None:
        """The rows removed by each task if the clean-up ran now, else None."""
        if self.next_at is not None and now < self.next_at:
            return None
        self.next_at = now + self.every
        return run_cleanup(now)


def summary(removed: dict[str, int]) -> str:
    parts = [f"{path.rsplit('.', 1)[-1].replace('_', ' ')}: {n}" for path, n in removed.items()]
    return "clean-up removed " + (", ".join(parts) or "nothing")
