"""The default set-up (SQLite) serves 20 concurrent writers with no "database is locked" 500.

A real gunicorn (2 processes x 4 threads) on a SQLite file of its own, 127.0.0.1 only; 20
threads with http.client write at once: four save the reminder settings of one person with
1,000 reminders (every save moves them all; the reminders are made directly, above the
per-account cap, as when 1,000 made 30-45 % of requests fail), eight log glasses, eight send
player controls. Bounded: 20 writers x ROUNDS requests, each with a timeout.
"""

from __future__ import annotations

import http.client
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 20
ROUNDS = 12
#: Reminders of the person saving settings (each save moves them all).
HEAVY = int(os.environ.get("HEAVY", "1000"))
#: CSRF: an unmasked 32-character secret, sent as the cookie and the header alike.
CSRF = "a" * 32

SETUP = """
import datetime as dt, json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from routines.accounts.models import Profile
from routines.player.models import Run
from routines.reminders.models import Reminder
from tests.factories import make_routine

def session(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key

now = timezone.now()
routine = make_routine("Calf stretch", steps=[{"duration_seconds": 600}] * 3)
heavy = User.objects.create_user("heavy")
profile = Profile.objects.create(user=heavy, timezone="Europe/Berlin")
reminders = [
    Reminder(
        user=heavy,
        kind="hydration",
        schedule="fixed",
        fixed_times=[f"{8 + n % 12:02d}:{n % 60:02d}"],
    )
    for n in range(HEAVY)
]
for reminder in reminders:
    reminder.next_fire_at = reminder.next_fire(profile, now)
Reminder.objects.bulk_create(reminders)
people = []
for n in range(WRITERS):
    user = User.objects.create_user(f"writer{n}")
    run = Run.begin(routine, user=user, lead_in=False, now=now)
    people.append({"session": session(user), "run": str(run.pk)})
print("SETUP" + json.dumps({"heavy": session(heavy), "people": people}))
"""


def _env(database: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings_test",
        "DATABASE_URL": f"sqlite:///{database}",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
    }


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A fresh SQLite file, migrated, with the writers' data; their session keys."""
    path = tmp_path_factory.mktemp("sqlite-concurrency") / "db.sqlite3"
    env = _env(path)
    _manage(env, "migrate", "--verbosity", "0")
    out = _manage(
        env, "shell", "-c", SETUP.replace("WRITERS", str(WRITERS)).replace("HEAVY", str(HEAVY))
    )
    return path, json.loads(out.split("SETUP", 1)[1])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(database: tuple[Path, dict[str, Any]]) -> Iterator[int]:
    """gunicorn on 127.0.0.1, 2 processes x 4 threads; yields its port once it listens."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "project.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=_env(database[0]),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    output = b""
    deadline = time.monotonic() + 60
    try:
        assert proc.stderr is not None
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stderr, selectors.EVENT_READ)
            # The socket listens from this line on: requests wait in its backlog for a worker.
            while b"Listening at" not in output:
                left = deadline - time.monotonic()
                if left <= 0 or proc.poll() is not None:
                    raise AssertionError(f"gunicorn did not start: {output.decode()}")
                if selector.select(left):
                    output += os.read(proc.stderr.fileno(), 65536)
        yield port
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def _post(port: int, path: str, session: str, data: dict[str, str]) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            path,
            body=urlencode(data),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={session}; csrftoken={CSRF}",
                "X-CSRFToken": CSRF,
            },
        )
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def test_twenty_concurrent_writers_get_no_server_error(
    server: int, database: tuple[Path, dict[str, Any]]
) -> None:
    _, data = database
    people = data["people"]
    results: list[tuple[str, int, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(WRITERS)

    def settings_saver(n: int) -> None:
        start.wait(timeout=60)
        for round_ in range(ROUNDS):
            quiet = f"{21 + (n + round_) % 3}:{(n * 7 + round_) % 60:02d}"
            form = {"timezone": "Europe/Berlin", "quiet_start": quiet, "quiet_end": "07:00"}
            status, body = _post(server, "/reminders/settings/", data["heavy"], form)
            with lock:
                results.append(("settings", status, body[:300]))

    def glass_logger(n: int) -> None:
        start.wait(timeout=60)
        for _ in range(ROUNDS):
            status, body = _post(server, "/hydration/add/", people[n]["session"], {})
            with lock:
                results.append(("glass", status, body[:300]))

    def player(n: int) -> None:
        start.wait(timeout=60)
        for round_ in range(ROUNDS):
            action = "pause" if round_ % 2 == 0 else "resume"
            form = {"action": action, "control_id": f"c{n}-{round_}"}
            path = f"/runs/{people[n]['run']}/control/"
            status, body = _post(server, path, people[n]["session"], form)
            with lock:
                results.append(("control", status, body[:300]))

    roles = [settings_saver] * 4 + [glass_logger] * 8 + [player] * 8
    threads = [threading.Thread(target=role, args=(n,)) for n, role in enumerate(roles)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "writers still running"

    assert len(results) == WRITERS * ROUNDS
    errors = [result for result in results if result[1] >= 500]
    assert errors == [], f"{len(errors)} server errors, first: {errors[:2]}"
    statuses = Counter((kind, status) for kind, status, _ in results)
    # Real writes, not refusals: settings and glasses redirect after saving, controls apply.
    assert statuses[("settings", 302)] == 4 * ROUNDS, statuses
    assert statuses[("glass", 302)] == 8 * ROUNDS, statuses
    assert sum(n for (kind, status), n in statuses.items() if kind == "control") == 8 * ROUNDS
    assert statuses[("control", 200)] + statuses[("control", 303)] >= 8 * ROUNDS - 8, statuses

    glasses = _count(database[0], "reminders_hydrationlog")
    assert glasses == 8 * ROUNDS


def _count(path: Path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
