"""`manage.py reminders_worker` as separate processes on the test database."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time

from tests.helpers.processes import ROOT, database_url


def worker_env(vapid: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "VAPID_PRIVATE_KEY": vapid["private"],
        "VAPID_PUBLIC_KEY": vapid["public"],
        "VAPID_SUBJECT": vapid["subject"],
        "PYTHONUNBUFFERED": "1",
    }


class WorkerProcess:
    """`manage.py reminders_worker` in its own process, with its output read as it comes."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "reminders_worker", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.output = b""

    def wait_for_line(self, text: str, timeout: float = 30) -> None:
        """Block until the worker prints a line containing `text`."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            while text.encode() not in self.output:
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not selector.select(0)):
                    raise AssertionError(f"no {text!r} from the worker: {self.text()}")
                if selector.select(left):
                    self.output += os.read(self.proc.stdout.fileno(), 65536)

    def stop(self, timeout: float = 60) -> int:
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=timeout)
        self.output += out
        self.errors = err.decode()
        return self.proc.returncode

    def text(self) -> str:
        return self.output.decode()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
