"""Fair delivery: one abusive account does not delay anyone else's reminders.

Run it with `.venv/bin/python bench/fairness.py` (options: `--help`). Like bench/delivery.py
it starts the local push service (tests/push_receiver.py) as its own process, makes a
throwaway database (SQLite by default; `--database postgres` uses DATABASE_URL or the local
cluster) and runs a real `manage.py reminders_worker` process.

Two runs in the same invocation, each on a fresh copy of the same database:

- without the abuser: 1,000 normal people (one device each) have a reminder due at the same
  moment;
- with the abuser: the same, plus one account at the caps (10 reminders, 10 devices) due a
  second earlier, so first in line, and every one of its devices hangs (a local socket that
  accepts and never answers, until PUSH_TIMEOUT_SECONDS cuts the request off).

It prints the normal people's lateness (push arrival minus due time) p50 and p99 in both runs
and the difference; the target is a p99 within 2 s of the run without the abuser. It exits
with 1 only if a normal person's push is missing or duplicated.
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import delivery as bench_delivery  # noqa: E402  (bench/delivery.py)

from tests.helpers.listeners import Listener  # noqa: E402

SUBJECT = "mailto:bench@unknot.invalid"
ABUSER_REMINDERS = 10
ABUSER_DEVICES = 10


# Inside the database ------------------------------------------------------------------------


def role_prepare(people_file: Path) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from routines.accounts.models import Profile
    from routines.reminders.models import PushSubscription, Reminder, ReminderKind, ScheduleKind

    people = json.loads(people_file.read_text())
    later = (timezone.now().replace(hour=3, minute=0)).strftime("%H:%M")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=name, password="!") for name in people
    )
    Profile.objects.bulk_create(Profile(user=u, timezone="UTC") for u in users)
    subscriptions = []
    reminders = []
    for user in users:
        devices = people[user.username]
        subscriptions += [
            PushSubscription(
                user=user,
                endpoint=d["endpoint"],
                p256dh=d["keys"]["p256dh"],
                auth=d["keys"]["auth"],
            )
            for d in devices
        ]
        count = ABUSER_REMINDERS if user.username == "abuser" else 1
        reminders += [
            Reminder(
                user=user,
                kind=ReminderKind.HYDRATION,
                schedule=ScheduleKind.FIXED,
                fixed_times=[later],
            )
            for _ in range(count)
        ]
    PushSubscription.objects.bulk_create(subscriptions, batch_size=2000)
    Reminder.objects.bulk_create(reminders, batch_size=2000)
    return {"people": len(users), "reminders": len(reminders)}


def role_arm(with_abuser: bool) -> dict[str, Any]:
    import datetime as dt

    from django.utils import timezone

    from routines.reminders.models import Reminder

    due = timezone.now()
    if with_abuser:
        Reminder.objects.filter(user__username="abuser").update(
            next_fire_at=due - dt.timedelta(seconds=1)
        )
    Reminder.objects.exclude(user__username="abuser").update(next_fire_at=due)
    return {"due": due.timestamp()}


def role_report() -> dict[str, Any]:
    from django.db.models import Count

    from routines.reminders.models import DeliveryAttempt

    rows = (
        DeliveryAttempt.objects.filter(subscription__user__username="abuser")
        .values("detail")
        .annotate(n=Count("pk"))
    )
    return {"abuser_attempts": {r["detail"][:50]: r["n"] for r in rows}}


def run_role(args: argparse.Namespace) -> int:
    bench_delivery._django(args.database_url, args.settings)
    if args.role == "prepare":
        result = role_prepare(Path(args.people_path))
    elif args.role == "arm":
        result = role_arm(args.with_abuser)
    else:
        result = role_report()
    print(json.dumps(result))
    return 0


def child(settings: str, url: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--settings", settings, "--database-url", url, *args],
        cwd=ROOT,
        env=bench_delivery._env(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench step {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# The runs -----------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def run(
    db: bench_delivery.Database,
    receiver: bench_delivery.Receiver,
    people_file: Path,
    normal_paths: set[str],
    *,
    args: argparse.Namespace,
    vapid: dict[str, str],
    with_abuser: bool,
) -> tuple[list[float], int, dict[str, Any]]:
    url = db.fresh()
    child(args.settings, url, "--role", "prepare", "--people-file", str(people_file))
    env = bench_delivery._env(
        url,
        DJANGO_SETTINGS_MODULE=args.settings,
        VAPID_PRIVATE_KEY=vapid["private"],
        VAPID_PUBLIC_KEY=vapid["public"],
        VAPID_SUBJECT=SUBJECT,
        PYTHONUNBUFFERED="1",
        PUSH_TIMEOUT_SECONDS=str(args.push_timeout),
    )
    log = db.workdir / f"worker-{'abuser' if with_abuser else 'alone'}.log"
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "reminders_worker", "--worker-id", "fair", "--idle",
         "0.05", "--batch-size", str(args.batch_size), "--threads", str(args.threads)],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    started = time.monotonic()
    while "started" not in log.read_text() and time.monotonic() - started < 60:
        time.sleep(0.05)
    receiver.new_pushes()  # earlier runs' pushes do not count
    due = child(args.settings, url, "--role", "arm", *(["--with-abuser"] if with_abuser else []))[
        "due"
    ]
    lateness: list[float] = []
    seen: collections.Counter[str] = collections.Counter()
    last_progress = time.monotonic()
    while len(seen) < len(normal_paths) and time.monotonic() - last_progress < 60:
        time.sleep(0.1)
        answer = receiver.new_pushes()
        for path, arrived, _tag in answer["pushes"]:
            if path in normal_paths:
                seen[path] += 1
                lateness.append(arrived - due)
        if answer["pushes"]:
            last_progress = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    for path, _arrived, _tag in receiver.new_pushes()["pushes"]:
        if path in normal_paths:
            seen[path] += 1
    report = child(args.settings, url, "--role", "report")
    db.drop(url)
    problems = (len(normal_paths) - len(seen)) + sum(n - 1 for n in seen.values())
    return lateness, problems, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000, help="normal people due at once")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--push-timeout", type=float, default=5.0)
    parser.add_argument("--settings", default="project.settings_test")
    parser.add_argument("--role", choices=["prepare", "arm", "report"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--people-file", dest="people_path", help=argparse.SUPPRESS)
    parser.add_argument("--with-abuser", action="store_true", help=argparse.SUPPRESS)
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
    vapid = {
        "private": signer.private_pem().decode(),
        "public": base64.urlsafe_b64encode(public).rstrip(b"=").decode(),
    }
    workdir = Path(tempfile.mkdtemp(prefix="unknot-bench-fairness-"))
    receiver = bench_delivery.Receiver(vapid["public"])
    hanging = Listener(mode="hang").start()
    db = None
    try:
        if args.database == "sqlite":
            db = bench_delivery.make_template("SQLite", "", args.settings, workdir)
        else:
            url = bench_delivery.postgres_url()
            if not url:
                raise SystemExit("PostgreSQL is not available")
            db = bench_delivery.make_template("PostgreSQL", url, args.settings, workdir)
        devices = receiver.devices(args.people + ABUSER_DEVICES)
        people = {f"normal{n}": [devices[n]] for n in range(args.people)}
        people["abuser"] = [
            {**d, "endpoint": f"{hanging.origin}/push/abuser-{n}"}
            for n, d in enumerate(devices[args.people :])
        ]
        people_file = workdir / "people.json"
        people_file.write_text(json.dumps(people))
        normal_paths = {
            "/" + d["endpoint"].split("/", 3)[3] for n in range(args.people) for d in [devices[n]]
        }
        print(
            f"{args.people:,} people due at once; abuser: {ABUSER_REMINDERS} reminders x "
            f"{ABUSER_DEVICES} devices, all hanging; {db.label}, 1 worker, {args.threads} "
            f"threads, batch {args.batch_size}, push timeout {args.push_timeout:g} s",
            flush=True,
        )
        alone, problems_alone, _ = run(
            db, receiver, people_file, normal_paths, args=args, vapid=vapid, with_abuser=False
        )
        beside, problems_beside, report = run(
            db, receiver, people_file, normal_paths, args=args, vapid=vapid, with_abuser=True
        )
    finally:
        hanging.stop()
        receiver.stop()
        if db is not None:
            db.close()
        shutil.rmtree(workdir, ignore_errors=True)
    p50a, p99a = percentile(alone, 50), percentile(alone, 99)
    p50b, p99b = percentile(beside, 50), percentile(beside, 99)
    print(f"{'':<22}{'p50':>8}{'p99':>8}{'max':>8}")
    print(f"{'without the abuser':<22}{p50a:>8.2f}{p99a:>8.2f}{max(alone, default=0):>8.2f}")
    print(f"{'with the abuser':<22}{p50b:>8.2f}{p99b:>8.2f}{max(beside, default=0):>8.2f}")
    verdict = "within" if p99b - p99a <= 2 else "NOT within"
    print(f"difference p99: {p99b - p99a:+.2f} s ({verdict} the 2 s target)")
    print(f"hanging connections: {len(hanging.connections)}; abuser's attempts: {report}")
    if problems_alone or problems_beside:
        print(f"PROBLEM: {problems_alone + problems_beside} pushes missing or duplicated")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
