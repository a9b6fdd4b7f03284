"""`manage.py cleanup`: remove expired sessions and old guest runs once (CLEANUP_TASKS).

The reminder worker does the same every CLEANUP_EVERY_SECONDS; this is for a cron job or by
hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from routines.accounts.cleanup import run_cleanup, summary


class Command(BaseCommand):
    help = "Remove expired sessions and guests' old runs (the tasks of CLEANUP_TASKS), once."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(summary(run_cleanup(timezone.now())))
