"""`manage.py reminders_worker`: send reminders as they come due, until stopped.

Run as many as you like, on one machine or several, against the same database: each
occurrence is claimed by one worker at a time (see routines/reminders/delivery.py).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django.utils import timezone

from routines.accounts.cleanup import PeriodicCleanup, summary
from routines.reminders.delivery import Worker, default_worker_id, run


def _refresh_connections() -> None:
    """Drop database connections that broke or outlived CONN_MAX_AGE, as Django does around
    each request. Not inside a transaction (the test suite runs commands in one)."""
    if not connection.in_atomic_block:
        close_old_connections()


class Command(BaseCommand):
    help = (
        "Record due reminders, push them to people's devices and mark them sent. Runs until "
        "SIGTERM or Ctrl-C, finishing the batch in hand first; --once processes what is due "
        "and exits. Also runs the clean-up (manage.py cleanup) every CLEANUP_EVERY_SECONDS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Process what is due now, then exit."
        )
        parser.add_argument(
            "--worker-id",
            default="",
            help="A name for this worker in claims and logs (default: host name and process id).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=0, help="Occurrences claimed at once."
        )
        parser.add_argument(
            "--threads", type=int, default=0, help="Devices sent to at the same time."
        )
        parser.add_argument(
            "--idle",
            type=float,
            default=None,
            help="Seconds to wait before looking again when nothing is due.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()

        def on_signal(number: int, frame: FrameType | None) -> None:
            if not stop.is_set():
                self._say(f"{signal.Signals(number).name}: stopping after the batch in hand")
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        worker = Worker(
            options["worker_id"] or default_worker_id(),
            batch_size=options["batch_size"] or None,
            threads=options["threads"] or None,
        )
        verbose = options["verbosity"] >= 1
        cleanup = PeriodicCleanup()

        def before_pass() -> None:
            _refresh_connections()
            removed = cleanup(timezone.now())
            if removed and any(removed.values()) and verbose:
                self._say(f"{worker.worker_id}: {summary(removed)}")

        try:
            self._say(f"{worker.worker_id}: started" + (" (once)" if options["once"] else ""))
            run(
                worker,
                stop,
                once=options["once"],
                idle_seconds=options["idle"],
                before_pass=before_pass,
                log=self._say if verbose else (lambda line: None),
            )
        finally:
            worker.close()
            _refresh_connections()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self._say(f"{worker.worker_id}: stopped")

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
