"""Reminder delivery: throughput, lateness and worker memory, to a local push service.

Run it with `.venv/bin/python bench/delivery.py` (see bench/README.md for the options). It
starts the local push service of tests/push_receiver.py as its own process (it checks every
VAPID signature and decrypts every payload, as a browser's push service and browser would),
makes a throwaway database (SQLite in a temporary directory; PostgreSQL if DATABASE_URL points
at one or a local cluster answers, in databases of its own that it drops at the end), and runs
real `manage.py reminders_worker` processes against it.

For each database and each worker count it records N reminders (default 10,000), each for a
device of its own, all due at the same second (as everyone's 08:00 reminder is), then
measures, from the receiver's arrival times:

- throughput: deliveries per second from the due time to the last arrival;
- lateness: arrival minus the due time, median and 99th percentile;
- CPU per delivery, in the workers and in the push service (which on a real deployment runs
  on someone else's machines).

Then one worker delivers a longer run (default 100,000) while its resident memory (RSS) is
sampled, to show whether it stays flat.

Timings never make this script fail; it exits with 1 only when a delivery is missing or
duplicated, since its numbers would then mean nothing.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
TARGET_PER_SECOND = 500
PER_USER = 10
SUBJECT = "mailto:bench@unknot.invalid"


# Inside a database: the steps that need Django, run as `bench/delivery.py --role ...` -------


def _django(database_url: str, settings: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def role_prepare(count: int, subscriptions_file: Path) -> dict[str, Any]:
    """Users with one device each and PER_USER reminders each, none due yet."""
    from django.contrib.auth import get_user_model

    from routines.accounts.models import Profile
    from routines.reminders.models import PushSubscription, Reminder, ReminderKind, ScheduleKind

    subscriptions = json.loads(subscriptions_file.read_text())
    users = get_user_model().objects.bulk_create(
        (get_user_model()(username=f"bench{n}", password="!") for n in range(len(subscriptions))),
        batch_size=2000,
    )
    Profile.objects.bulk_create((Profile(user=u, timezone="UTC") for u in users), batch_size=2000)
    PushSubscription.objects.bulk_create(
        (
            PushSubscription(
                user=user,
                endpoint=s["endpoint"],
                p256dh=s["keys"]["p256dh"],
                auth=s["keys"]["auth"],
            )
            for user, s in zip(users, subscriptions, strict=True)
        ),
        batch_size=2000,
    )
    Reminder.objects.bulk_create(
        (
            Reminder(
                user=users[n % len(users)],
                kind=ReminderKind.HYDRATION if n % 2 else ReminderKind.STRETCH,
                schedule=ScheduleKind.FIXED,
                fixed_times=["08:00"],
            )
            for n in range(count)
        ),
        batch_size=2000,
    )
    return {"reminders": Reminder.objects.count()}


def role_arm() -> dict[str, Any]:
    """Make every reminder due now; the due time, as a Unix timestamp."""
    from django.utils import timezone

    from routines.reminders.models import Reminder

    due = timezone.now()
    updated = Reminder.objects.update(next_fire_at=due)
    return {"due": due.timestamp(), "updated": updated}


def role_report() -> dict[str, Any]:
    from django.db.models import Count

    from routines.reminders.models import DeliveryAttempt, Occurrence

    def counts(queryset: Any, name: str) -> dict[str, int]:
        return {row[name]: row["n"] for row in queryset.values(name).annotate(n=Count("pk"))}

    return {
        "occurrences": counts(Occurrence.objects.order_by(), "status"),
        "attempts": counts(DeliveryAttempt.objects.order_by(), "result"),
        "workers": counts(Occurrence.objects.order_by(), "claimed_by"),
    }


def run_role(args: argparse.Namespace) -> int:
    _django(args.database_url, args.settings)
    if args.role == "prepare":
        result = role_prepare(args.count, Path(args.subscriptions))
    elif args.role == "arm":
        result = role_arm()
    else:
        result = role_report()
    print(json.dumps(result))
    return 0


# The orchestra: no Django here, only processes -----------------------------------------------


def child(settings: str, database_url: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--settings", settings, "--database-url", database_url, *args],
        cwd=ROOT,
        env=_env(database_url),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench step {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _env(database_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", **extra}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Receiver:
    """tests/push_receiver.py in its own process."""

    def __init__(self, public_key: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "push_receiver.py"), "--public-key", public_key],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "READY":
            raise SystemExit("the push receiver did not start")
        self.url = line[1]
        self.seen = 0

    def _call(self, path: str, data: dict[str, Any] | None = None) -> Any:
        body = None if data is None else json.dumps(data).encode()
        request = urllib.request.Request(
            self.url + path, data=body, method="POST" if body else "GET"
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def devices(self, count: int) -> list[dict[str, Any]]:
        return self._call("/_control/devices", {"count": count})

    def new_pushes(self) -> dict[str, Any]:
        answer = self._call(f"/_control/pushes?since={self.seen}")
        self.seen = answer["total"]
        return answer

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


@dataclass
class Database:
    label: str
    template_url: str
    workdir: Path
    runs: int = 0
    made: list[str] = field(default_factory=list)

    def fresh(self) -> str:
        """A new database copied from the migrated template."""
        self.runs += 1
        if self.label == "SQLite":
            source = Path(urlsplit(self.template_url).path)
            target = self.workdir / f"run-{self.runs}.sqlite3"
            shutil.copyfile(source, target)
            return f"sqlite:///{target}"
        name = f"{_db_name(self.template_url).removesuffix('_tpl')}_run{self.runs}"
        _pg_admin(self.template_url, f'DROP DATABASE IF EXISTS "{name}"')
        _pg_admin(
            self.template_url, f'CREATE DATABASE "{name}" TEMPLATE "{_db_name(self.template_url)}"'
        )
        self.made.append(name)
        return _with_db_name(self.template_url, name)

    def drop(self, url: str) -> None:
        if self.label == "SQLite":
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(urlsplit(url).path + suffix).unlink()
        else:
            _pg_admin(self.template_url, f'DROP DATABASE IF EXISTS "{_db_name(url)}"')

    def close(self) -> None:
        if self.label != "SQLite":
            for name in self.made:
                _pg_admin(self.template_url, f'DROP DATABASE IF EXISTS "{name}"')
            _pg_admin(self.template_url, f'DROP DATABASE IF EXISTS "{_db_name(self.template_url)}"')


def _db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _with_db_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{name}{query}"


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = f"postgresql://{parts.netloc}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def postgres_url() -> str | None:
    """DATABASE_URL if it is PostgreSQL, else the local cluster (started if need be)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    if not shutil.which("pg_isready"):
        return None
    if subprocess.run(["pg_isready", "-q"], check=False).returncode != 0:
        versions = sorted(Path("/usr/lib/postgresql").glob("*"), key=lambda p: int(p.name))
        if not versions or not shutil.which("pg_ctlcluster"):
            return None
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "pg_ctlcluster", versions[-1].name, "main", "start"], check=False)
        for _ in range(50):
            if subprocess.run(["pg_isready", "-q"], check=False).returncode == 0:
                break
            time.sleep(0.2)
        else:
            return None
    return "postgres:///unknot"


def make_template(label: str, url: str, settings: str, workdir: Path) -> Database:
    if label == "SQLite":
        template = f"sqlite:///{workdir / 'template.sqlite3'}"
    else:
        template = _with_db_name(url, f"{_db_name(url) or 'unknot'}_bench_delivery_tpl")
        _pg_admin(template, f'DROP DATABASE IF EXISTS "{_db_name(template)}"')
        _pg_admin(template, f'CREATE DATABASE "{_db_name(template)}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_env(template, DJANGO_SETTINGS_MODULE=settings),
        check=True,
    )
    return Database(label, template, workdir)


@dataclass
class Result:
    label: str
    workers: int
    count: int
    delivered: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    lateness: list[float] = field(default_factory=list)
    worker_cpu: float = 0.0
    receiver_cpu: float = 0.0
    rss: list[tuple[int, float]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.lateness)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def run_scenario(
    db: Database,
    receiver: Receiver,
    *,
    settings: str,
    vapid: dict[str, str],
    workers: int,
    count: int,
    batch_size: int,
    threads: int,
    sample_rss: bool = False,
    quiet: bool = False,
) -> Result:
    url = db.fresh()
    result = Result(db.label, workers, count)
    subscriptions = receiver.devices(max(count // PER_USER, 1))
    subscriptions_file = db.workdir / "subscriptions.json"
    subscriptions_file.write_text(json.dumps(subscriptions))
    child(settings, url, "--role", "prepare", "--count", str(count), "--subscriptions",
          str(subscriptions_file))  # fmt: skip
    env = _env(
        url,
        DJANGO_SETTINGS_MODULE=settings,
        VAPID_PRIVATE_KEY=vapid["private"],
        VAPID_PUBLIC_KEY=vapid["public"],
        VAPID_SUBJECT=SUBJECT,
        PYTHONUNBUFFERED="1",
    )
    logs, procs = [], []
    for n in range(workers):
        log = db.workdir / f"worker-{db.label}-{workers}w-{db.runs}-{n + 1}.log"
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "reminders_worker",
                    "--worker-id",
                    f"bench-w{n + 1}",
                    "--idle",
                    "0.05",
                    "--batch-size",
                    str(batch_size),
                    "--threads",
                    str(threads),
                ],
                cwd=ROOT,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )
    for log in logs:
        while "started" not in log.read_text():
            time.sleep(0.05)
    base = receiver.new_pushes()  # the pushes before this run do not count
    receiver_cpu0 = cpu_seconds(receiver.proc.pid)
    workers_cpu0 = sum(cpu_seconds(p.pid) for p in procs)
    due = child(settings, url, "--role", "arm")["due"]
    keys: collections.Counter[tuple[str, str]] = collections.Counter()
    last_arrival, last_progress = due, time.monotonic()
    next_report = time.monotonic() + 10
    while len(keys) < count and time.monotonic() - last_progress < 60:
        time.sleep(0.25)
        answer = receiver.new_pushes()
        for path, arrived, tag in answer["pushes"]:
            keys[(path, tag)] += 1
            result.lateness.append(arrived - due)
            last_arrival = max(last_arrival, arrived)
        if answer["pushes"]:
            last_progress = time.monotonic()
        if sample_rss:
            result.rss.append((len(keys), sum(rss_mb(p.pid) for p in procs)))
        if not quiet and time.monotonic() > next_report:
            print(f"    ... {len(keys):,} of {count:,} delivered", flush=True)
            next_report = time.monotonic() + 10
    result.worker_cpu = sum(cpu_seconds(p.pid) for p in procs) - workers_cpu0
    result.receiver_cpu = cpu_seconds(receiver.proc.pid) - receiver_cpu0
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=120)
    tail = receiver.new_pushes()  # anything sent after the count was reached is a duplicate
    for path, _, tag in tail["pushes"]:
        keys[(path, tag)] += 1
    result.delivered = len(keys)
    result.duplicates = sum(n - 1 for n in keys.values())
    result.seconds = last_arrival - due
    result.report = child(settings, url, "--role", "report")
    if base["rejected"] != tail["rejected"]:
        result.report["rejected"] = tail["rejected"] - base["rejected"]
    db.drop(url)
    return result


def print_table(results: list[Result]) -> None:
    print()
    header = (
        f"{'database':<11}{'workers':>8}{'due':>8}{'delivered':>10}{'per s':>8}"
        f"{'late p50':>10}{'late p99':>10}{'worker CPU':>12}{'service CPU':>12}  target"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        target = (
            "-" if r.workers != 2 else ("met" if r.per_second >= TARGET_PER_SECOND else "missed")
        )
        print(
            f"{r.label:<11}{r.workers:>8}{r.count:>8,}{r.delivered:>10,}{r.per_second:>8.0f}"
            f"{r.percentile(50):>9.2f}s{r.percentile(99):>9.2f}s"
            f"{r.worker_cpu / max(r.delivered, 1) * 1000:>9.2f} ms"
            f"{r.receiver_cpu / max(r.delivered, 1) * 1000:>9.2f} ms  {target}"
        )
    print(
        "\nper s: deliveries a second from the due time to the last arrival; late: arrival "
        "minus due time;\nCPU: per delivery, in the worker processes and in the local push "
        f"service. Target: {TARGET_PER_SECOND}/s with two workers."
    )


def print_rss(result: Result) -> None:
    samples = [s for s in result.rss if s[0] > 0]
    print(
        f"\nWorker memory over {result.delivered:,} deliveries ({result.label}, 1 worker, "
        f"{result.per_second:.0f}/s):"
    )
    if not samples:
        print("  no samples")
        return
    step = max(len(samples) // 10, 1)
    shown = samples[::step]
    if shown[-1] != samples[-1]:
        shown.append(samples[-1])
    for delivered, rss in shown:
        print(f"  {delivered:>9,} delivered   RSS {rss:7.1f} MB")
    after_warmup = [rss for delivered, rss in samples if delivered >= result.delivered * 0.1]
    if after_warmup:
        growth = after_warmup[-1] - after_warmup[0]
        print(
            f"  from 10% to the end: {after_warmup[0]:.1f} -> {after_warmup[-1]:.1f} MB "
            f"({growth:+.1f} MB; max {max(after_warmup):.1f} MB)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="reminders due at once, per run")
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--memory-count", type=int, default=100_000,
                        help="deliveries of the memory run (0: skip it)")  # fmt: skip
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--settings", default="project.settings_test")
    parser.add_argument("--logs", type=Path, help="keep the workers' logs in this directory")
    # Internal: the steps that run inside a database.
    parser.add_argument("--role", choices=["prepare", "arm", "report"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--subscriptions", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role:
        return run_role(args)

    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid02

    signer = Vapid02()
    signer.generate_keys()
    public = signer.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    import base64

    vapid = {
        "private": signer.private_pem().decode(),
        "public": base64.urlsafe_b64encode(public).rstrip(b"=").decode(),
    }
    workdir = Path(tempfile.mkdtemp(prefix="unknot-bench-delivery-"))
    receiver = Receiver(vapid["public"])
    databases: list[Database] = []
    results: list[Result] = []
    failed = False
    try:
        wanted = [d.strip().lower() for d in args.databases.split(",") if d.strip()]
        if "sqlite" in wanted:
            databases.append(make_template("SQLite", "", args.settings, workdir))
        if "postgres" in wanted:
            url = postgres_url()
            if url:
                databases.append(make_template("PostgreSQL", url, args.settings, workdir))
            else:
                print("PostgreSQL: not available (no DATABASE_URL, no local cluster); skipped.")
        print(
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {args.count:,} "
            f"reminders due at once per run, batch {args.batch_size}, {args.threads} threads "
            "per worker; push service: tests/push_receiver.py (VAPID checked, payload "
            "decrypted) in its own process."
        )
        counts = [int(n) for n in args.workers.split(",") if n.strip()]
        for db in databases:
            for workers in counts:
                print(f"  {db.label}, {workers} worker(s)...", flush=True)
                result = run_scenario(
                    db, receiver, settings=args.settings, vapid=vapid, workers=workers,
                    count=args.count, batch_size=args.batch_size, threads=args.threads,
                )  # fmt: skip
                results.append(result)
                failed |= _check(result)
        print_table(results)
        if args.memory_count and databases:
            db = databases[-1]
            print(f"\n  Memory run: {db.label}, 1 worker, {args.memory_count:,} deliveries...")
            result = run_scenario(
                db, receiver, settings=args.settings, vapid=vapid, workers=1,
                count=args.memory_count, batch_size=args.batch_size, threads=args.threads,
                sample_rss=True,
            )  # fmt: skip
            failed |= _check(result)
            print_rss(result)
    finally:
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
            for log in workdir.glob("worker-*.log"):
                shutil.copy(log, args.logs / log.name)
        receiver.stop()
        for db in databases:
            db.close()
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


def _check(result: Result) -> bool:
    """Whether the run went wrong: a delivery missing or duplicated, or not marked sent."""
    sent = result.report.get("occurrences", {}).get("sent", 0)
    problems = []
    if result.delivered != result.count:
        problems.append(f"{result.count - result.delivered} not delivered")
    if result.duplicates:
        problems.append(f"{result.duplicates} delivered twice")
    if sent != result.count:
        problems.append(f"{sent} of {result.count} marked sent")
    if result.report.get("rejected"):
        problems.append(f"{result.report['rejected']} refused by the push service")
    if problems:
        print(f"  PROBLEM ({result.label}, {result.workers} workers): {'; '.join(problems)}")
        print(f"  {result.report}")
    return bool(problems)


if __name__ == "__main__":
    sys.exit(main())
