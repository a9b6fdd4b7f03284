"""Load: 200 simulated phone users against gunicorn, with the reminder workers running.

Run it with `make bench` or `.venv/bin/python bench/load.py [--databases sqlite,postgres]
[--users 200] [--run-time 60]` (locust must be in .venv-bench: `make bench` makes it). For each
database it:

- makes a throwaway database (SQLite in a temporary directory; on PostgreSQL a database of its
  own, dropped at the end), migrates it, loads the library, and adds pre-made accounts, each
  with a device at a local push service (tests/push_receiver.py in its own process) and
  reminders that come due, spread over the run, while the load goes on;
- starts gunicorn on 127.0.0.1 (a free port in 8300-8399; PostgreSQL: --web-workers processes,
  default 4; SQLite: 1, the default set-up) with bench/settings_bench.py (production settings,
  DEBUG off, plus the bare baseline view; the throttles are switched off or raised, since every
  simulated user comes from 127.0.0.1: the load measures capacity, not the throttle), and the
  reminder workers (PostgreSQL: 2; SQLite: 1);
- runs locust headless (bench/locustfile.py): first every user fetching the bare baseline
  view (--baseline-time), then the full flow (--run-time): browse, start a routine as a guest
  through the safety check, 10 player controls, end, log a glass signed in.

It prints, per database, the errors (every failed request, with its reason), the median and
99th percentile per endpoint, the throughput, and the throughput as a ratio to the baseline's
under the same number of users; and the reminders delivered during the load (lateness, and
duplicates). Timings never make it fail; it exits with 1 when a request failed or a reminder
was lost or delivered twice, or the set-up did not work.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from delivery import (  # noqa: E402 (bench/delivery.py: the push service, PostgreSQL helpers)
    Receiver,
    _pg_admin,
    _with_db_name,
    postgres_url,
    rss_mb,
)

SETTINGS = "bench.settings_bench"
LOCUST = ROOT / ".venv-bench" / "bin" / "locust"
GUNICORN = Path(sys.executable).parent / "gunicorn"
PORTS = range(8300, 8400)
SUBJECT = "mailto:bench@unknot.invalid"


# Inside the database: run as `bench/load.py --role ...` ---------------------------------------


def _django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def role_prepare(accounts: int, reminders_each: int, subscriptions_file: Path) -> dict[str, Any]:
    """The library, and `accounts` people, each signed in (a session), with one device and
    `reminders_each` reminders not due yet."""
    import io

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from routines.accounts.models import Profile
    from routines.content.models import Purpose, Routine
    from routines.reminders.models import PushSubscription, Reminder, ReminderKind, ScheduleKind

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_library", verbosity=0, stdout=io.StringIO())
    subscriptions = json.loads(subscriptions_file.read_text())
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"load{n}", password="!") for n in range(accounts)
    )
    Profile.objects.bulk_create(Profile(user=u, timezone="UTC") for u in users)
    PushSubscription.objects.bulk_create(
        PushSubscription(
            user=user, endpoint=s["endpoint"], p256dh=s["keys"]["p256dh"], auth=s["keys"]["auth"]
        )
        for user, s in zip(users, subscriptions, strict=True)
    )
    Reminder.objects.bulk_create(
        Reminder(
            user=user,
            kind=ReminderKind.HYDRATION,
            schedule=ScheduleKind.FIXED,
            fixed_times=["08:00"],
        )
        for user in users
        for _ in range(reminders_each)
    )
    backend = next(
        (b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend")),
        settings.AUTHENTICATION_BACKENDS[-1],
    )
    sessions = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    published = Routine.objects.published()
    relief = published.filter(purpose=Purpose.RELIEF, situations__slug="cramp-now").first()
    prevention = list(
        published.filter(purpose=Purpose.PREVENTION).values_list("slug", flat=True)[:6]
    )
    if relief is None or not prevention:
        raise SystemExit("the library has no relief or no prevention routine")
    return {
        "sessions": sessions,
        "relief": relief.slug,
        "prevention": prevention,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "raised": getattr(settings, "LOAD_TEST_RAISED_SETTINGS", []),
    }


def role_arm(start: float, spread: float) -> dict[str, Any]:
    """Every reminder due at a time of its own between `start` and `start + spread`."""
    import datetime as dt

    from routines.reminders.models import Reminder

    reminders = list(Reminder.objects.order_by("pk"))
    step = spread / max(len(reminders), 1)
    for n, reminder in enumerate(reminders):
        reminder.next_fire_at = dt.datetime.fromtimestamp(start + n * step, tz=dt.UTC)
    Reminder.objects.bulk_update(reminders, ["next_fire_at"], batch_size=1000)
    return {"due": {str(r.pk): r.next_fire_at.timestamp() for r in reminders}}


def role_report() -> dict[str, Any]:
    from django.db.models import Count

    from routines.reminders.models import Occurrence

    rows = Occurrence.objects.order_by().values("status").annotate(n=Count("pk"))
    return {"occurrences": {row["status"]: row["n"] for row in rows}}


def run_role(args: argparse.Namespace) -> int:
    _django(args.database_url)
    if args.role == "prepare":
        result = role_prepare(args.accounts, args.reminders_each, Path(args.subscriptions))
    elif args.role == "arm":
        result = role_arm(args.start, args.spread)
    else:
        result = role_report()
    print(json.dumps(result))
    return 0


# Processes ---------------------------------------------------------------------------------


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 8300-8399")


def app_env(database_url: str, vapid: dict[str, str], overrides: dict[str, Any]) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
        "VAPID_PRIVATE_KEY": vapid["private"],
        "VAPID_PUBLIC_KEY": vapid["public"],
        "VAPID_SUBJECT": SUBJECT,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "BENCH_SETTINGS": json.dumps(overrides),
    }


def role(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--database-url", env["DATABASE_URL"], *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench step {args[:2]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def vapid_keys() -> dict[str, str]:
    import base64

    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid02

    signer = Vapid02()
    signer.generate_keys()
    public = signer.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "private": signer.private_pem().decode(),
        "public": base64.urlsafe_b64encode(public).rstrip(b"=").decode(),
    }


def wait_http(url: str, *, timeout: float = 60) -> None:
    """Until `url` answers 200 (the server is up), at most `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Stack:
    """gunicorn, the reminder workers and their logs."""

    env: dict[str, str]
    workdir: Path
    web_workers: int
    reminder_workers: int
    port: int = 0
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Stack:
        self.port = free_port()
        log = (self.workdir / "gunicorn.log").open("w")
        self.procs.append(
            subprocess.Popen(
                [
                    str(GUNICORN),
                    "project.wsgi",
                    "--workers",
                    str(self.web_workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--backlog",
                    "2048",
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "10",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        for n in range(self.reminder_workers):
            self.start_worker(f"load-w{n + 1}")
        wait_http(self.url + "/__bench__/baseline/")
        return self

    def start_worker(self, name: str, **extra_env: str) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"worker-{name}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "reminders_worker", "--worker-id", name],
            cwd=ROOT,
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(proc)
        return proc

    def worker_rss(self) -> float:
        return sum(rss_mb(p.pid) for p in self.workers if p.poll() is None)

    def stop(self) -> None:
        for proc in [*self.workers, *self.procs]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.workers, *self.procs]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def log_tail(self, lines: int = 30) -> str:
        text = []
        for log in sorted(self.workdir.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            if tail:
                text.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(text)


# Locust ------------------------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    requests: int
    failures: int
    median_ms: float
    p99_ms: float
    per_second: float


@dataclass
class LocustRun:
    endpoints: list[Endpoint]
    total: Endpoint
    failures: list[tuple[str, str, int]]
    returncode: int
    stderr: str


def run_locust(
    url: str,
    data_file: Path,
    prefix: Path,
    *,
    flow: str,
    users: int,
    spawn_rate: float,
    seconds: int,
) -> LocustRun:
    env = {**os.environ, "LOAD_DATA": str(data_file), "LOAD_FLOW": flow}
    command = [
        str(LOCUST),
        "-f",
        str(BENCH / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    out = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120
    )
    return read_locust(prefix, out.returncode, out.stderr)


def read_locust(prefix: Path, returncode: int, stderr: str) -> LocustRun:
    def number(row: dict[str, str], key: str) -> float:
        value = row.get(key) or "0"
        return float(value) if value not in ("N/A", "") else 0.0

    endpoints = []
    total = Endpoint("all", 0, 0, 0, 0, 0)
    stats = Path(f"{prefix}_stats.csv")
    if stats.exists():
        for row in csv.DictReader(stats.open()):
            endpoint = Endpoint(
                row["Name"],
                int(number(row, "Request Count")),
                int(number(row, "Failure Count")),
                number(row, "50%"),
                number(row, "99%"),
                number(row, "Requests/s"),
            )
            if row["Name"] == "Aggregated":
                total = endpoint
            else:
                endpoints.append(endpoint)
    failures = []
    failed = Path(f"{prefix}_failures.csv")
    if failed.exists():
        for row in csv.DictReader(failed.open()):
            failures.append((row["Name"], row["Error"], int(row["Occurrences"])))
    return LocustRun(endpoints, total, failures, returncode, stderr)


# One database ------------------------------------------------------------------------------


@dataclass
class LoadResult:
    label: str
    web_workers: int
    reminder_workers: int
    users: int
    seconds: int
    baseline: LocustRun
    app: LocustRun
    deliveries: int = 0
    due: int = 0
    duplicates: int = 0
    lateness: list[float] = field(default_factory=list)
    worker_rss: float = 0.0
    occurrences: dict[str, int] = field(default_factory=dict)
    raised: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        base = self.baseline.total.per_second
        return self.app.total.per_second / base if base else 0.0

    def failed(self) -> bool:
        return bool(self.app.total.failures or self.baseline.total.failures or self.duplicates)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def prepare_database(
    label: str, workdir: Path, suffix: str = "bench_load"
) -> tuple[str, str | None]:
    """(DATABASE_URL, PostgreSQL database to drop at the end)."""
    if label == "SQLite":
        return f"sqlite:///{workdir / 'load.sqlite3'}", None
    url = postgres_url()
    if url is None:
        raise LookupError("PostgreSQL is not available")
    name = f"{urlsplit_name(url) or 'unknot'}_{suffix}"
    target = _with_db_name(url, name)
    _pg_admin(target, f'DROP DATABASE IF EXISTS "{name}"')
    _pg_admin(target, f'CREATE DATABASE "{name}"')
    return target, name


def urlsplit_name(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path.lstrip("/")


def run_database(
    label: str,
    args: argparse.Namespace,
    receiver: Receiver,
    vapid: dict[str, str],
    workdir: Path,
    overrides: dict[str, Any],
) -> LoadResult:
    web = 1 if label == "SQLite" else args.web_workers
    reminder_workers = 1 if label == "SQLite" else args.reminder_workers
    url, pg_name = prepare_database(label, workdir)
    env = app_env(url, vapid, overrides)
    stack = Stack(env, workdir, web, reminder_workers)
    try:
        subscriptions = receiver.devices(args.accounts)
        subs_file = workdir / "subscriptions.json"
        subs_file.write_text(json.dumps(subscriptions))
        data = role(
            env,
            "--role",
            "prepare",
            "--accounts",
            str(args.accounts),
            "--reminders-each",
            str(args.reminders_each),
            "--subscriptions",
            str(subs_file),
        )
        data_file = workdir / "load-data.json"
        data_file.write_text(json.dumps(data))
        stack.start()
        print(
            f"  {label}: gunicorn {web} process(es) on {stack.url}, {reminder_workers} "
            f"reminder worker(s); baseline {args.baseline_time} s...",
            flush=True,
        )
        out = Path(args.out)
        baseline = run_locust(
            stack.url,
            data_file,
            out / f"load-{label.lower()}-baseline",
            flow="baseline",
            users=args.users,
            spawn_rate=args.spawn_rate,
            seconds=args.baseline_time,
        )
        receiver.new_pushes()  # nothing before the load counts
        # Reminders come due through the load, from 10 s after its start to 10 s before its end.
        start = time.time() + 10
        due = role(
            env, "--role", "arm", "--start", str(start), "--spread", str(max(args.run_time - 20, 1))
        )["due"]
        print(
            f"  {label}: the flow, {args.users} users for {args.run_time} s, "
            f"{len(due):,} reminders coming due meanwhile...",
            flush=True,
        )
        rss: list[float] = []
        app = run_locust(
            stack.url,
            data_file,
            out / f"load-{label.lower()}",
            flow="full",
            users=args.users,
            spawn_rate=args.spawn_rate,
            seconds=args.run_time,
        )
        rss.append(stack.worker_rss())
        # The last reminders: give the workers until every one is in (bounded).
        keys: collections.Counter[tuple[str, str]] = collections.Counter()
        arrivals: dict[str, float] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for path, arrived, tag in receiver.new_pushes()["pushes"]:
                keys[(path, tag)] += 1
                arrivals.setdefault(tag, arrived)
            if len(keys) >= len(due):
                break
            time.sleep(0.5)
        result = LoadResult(label, web, reminder_workers, args.users, args.run_time, baseline, app)
        result.due = len(due)
        result.deliveries = len(keys)
        result.duplicates = sum(n - 1 for n in keys.values())
        result.lateness = [
            arrived - due[tag.removeprefix("reminder-")]
            for tag, arrived in arrivals.items()
            if tag and tag.removeprefix("reminder-") in due
        ]
        result.worker_rss = max(rss)
        result.raised = data.get("raised", [])
        stack.stop()
        result.occurrences = role(env, "--role", "report")["occurrences"]
        if app.total.requests == 0:
            print(f"  locust ran no request:\n{app.stderr[-2000:]}\n{stack.log_tail()}")
        return result
    finally:
        stack.stop()
        if pg_name:
            _pg_admin(url, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


# Report ------------------------------------------------------------------------------------


def report(results: list[LoadResult], args: argparse.Namespace) -> str:
    lines = [
        f"Load: {args.users} users (closed loop, no pause), spawn {args.spawn_rate}/s, "
        f"{args.run_time} s per database; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs shared by gunicorn, the workers, the database, the push "
        "service and locust.",
        "Throttles: off or raised for the load (bench/settings_bench.py, LOAD TEST ONLY), since "
        "every simulated user comes from 127.0.0.1; the load measures capacity, not the throttle.",
    ]
    for r in results:
        base = r.baseline.total
        lines += [
            "",
            f"### {r.label}: gunicorn {r.web_workers} process(es), {r.reminder_workers} "
            "reminder worker(s)",
            "",
            f"{'endpoint':<22}{'requests':>9}{'errors':>8}{'median ms':>11}{'p99 ms':>9}"
            f"{'per s':>8}",
            "-" * 67,
        ]
        for e in [*r.app.endpoints, r.app.total]:
            name = "all (the flow)" if e is r.app.total else e.name
            lines.append(
                f"{name:<22}{e.requests:>9,}{e.failures:>8,}{e.median_ms:>11.0f}{e.p99_ms:>9.0f}"
                f"{e.per_second:>8.1f}"
            )
        lines.append(
            f"{'baseline view':<22}{base.requests:>9,}{base.failures:>8,}{base.median_ms:>11.0f}"
            f"{base.p99_ms:>9.0f}{base.per_second:>8.1f}"
        )
        lines += [
            "",
            f"Throughput: {r.app.total.per_second:.1f} requests/s, {r.ratio:.2f}x the bare view's "
            f"{base.per_second:.1f}/s under the same {r.users} users.",
            f"Errors: {r.app.total.failures + base.failures}"
            + (
                ""
                if not (r.app.failures or r.baseline.failures)
                else ": "
                + "; ".join(
                    f"{name}: {error} ({n}x)"
                    for name, error, n in r.app.failures + r.baseline.failures
                )
            ),
            f"Reminders during the load: {r.deliveries:,} of {r.due:,} delivered, "
            f"{r.duplicates} twice; lateness p50 {percentile(r.lateness, 50):.2f} s, "
            f"p99 {percentile(r.lateness, 99):.2f} s; worker RSS {r.worker_rss:.0f} MB; "
            f"occurrences {r.occurrences}.",
        ]
        if r.raised:
            lines.append(f"Raised for the load: {', '.join(r.raised)}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=50)
    parser.add_argument("--run-time", type=int, default=60, help="seconds of the flow")
    parser.add_argument("--baseline-time", type=int, default=20, help="seconds of the baseline")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn processes (PG)")
    parser.add_argument("--reminder-workers", type=int, default=2, help="workers (PG)")
    parser.add_argument("--accounts", type=int, default=200, help="pre-made signed-in accounts")
    parser.add_argument("--reminders-each", type=int, default=2)
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a settings override for the server (JSON value), e.g. a throttle",
    )
    parser.add_argument("--out", default=str(BENCH / "out"), help="locust CSVs and the report")
    parser.add_argument("--role", choices=["prepare", "arm", "report"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--subscriptions", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--spread", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role:
        return run_role(args)
    if not LOCUST.exists():
        print(f"{LOCUST} is missing: `make bench` installs locust into .venv-bench.")
        return 1
    overrides = {}
    for item in args.setting:
        name, _, value = item.partition("=")
        overrides[name] = json.loads(value)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    vapid = vapid_keys()
    receiver = Receiver(vapid["public"])
    results: list[LoadResult] = []
    labels = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
    try:
        for name in [d.strip().lower() for d in args.databases.split(",") if d.strip()]:
            workdir = Path(tempfile.mkdtemp(prefix="unknot-bench-load-"))
            try:
                results.append(
                    run_database(labels[name], args, receiver, vapid, workdir, overrides)
                )
            except LookupError as exc:
                print(f"  {labels[name]}: skipped ({exc})")
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    finally:
        receiver.stop()
    text = report(results, args)
    print(text)
    (Path(args.out) / "load.md").write_text(text + "\n")
    return 1 if any(r.failed() for r in results) or not results else 0


if __name__ == "__main__":
    sys.exit(main())
