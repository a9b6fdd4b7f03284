"""Reminder lateness: 10,000 occurrences spread over one minute, 2 workers on PostgreSQL.

Run it with `make bench` or `.venv/bin/python bench/lateness.py [--count 10000] [--spread 60]
[--workers 2] [--databases postgres]`. Where bench/delivery.py makes every reminder due at the
same second (a burst), this spreads them evenly over `--spread` seconds, as a day of
reminders set at different minutes comes due: each reminder has a due time of its own, and
its lateness is its arrival at the push service minus that time.

It reuses bench/delivery.py's set-up: the local push service of tests/push_receiver.py in its
own process (VAPID checked, payload decrypted), a throwaway database made from a migrated
template, real `manage.py reminders_worker` processes (with their default idle wait unless
--idle is given: a worker that finds nothing due looks again after REMINDERS_IDLE_SECONDS,
which is part of the lateness). It prints p50, p99 and the maximum lateness, deliveries a
second over the spread, and the workers' resident memory (VmRSS, sampled through the run).
Timings never make it fail; it exits with 1 when a reminder is missing or arrives twice.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
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

import delivery  # noqa: E402 (bench/delivery.py)


def role_arm(start: float, spread: float, database_url: str, settings: str) -> dict[str, Any]:
    """Every reminder due at a time of its own, evenly from `start` over `spread` seconds."""
    delivery._django(database_url, settings)
    import datetime as dt

    from routines.reminders.models import Reminder

    reminders = list(Reminder.objects.order_by("pk").only("pk", "next_fire_at"))
    step = spread / max(len(reminders), 1)
    for n, reminder in enumerate(reminders):
        reminder.next_fire_at = dt.datetime.fromtimestamp(start + n * step, tz=dt.UTC)
    Reminder.objects.bulk_update(reminders, ["next_fire_at"], batch_size=1000)
    return {"due": {str(r.pk): r.next_fire_at.timestamp() for r in reminders}}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def run(
    db: delivery.Database,
    receiver: delivery.Receiver,
    args: argparse.Namespace,
    vapid: dict[str, str],
) -> tuple[str, bool]:
    url = db.fresh()
    subscriptions = receiver.devices(max(args.count // delivery.PER_USER, 1))
    subs_file = db.workdir / "subscriptions.json"
    subs_file.write_text(json.dumps(subscriptions))
    delivery.child(
        args.settings,
        url,
        "--role",
        "prepare",
        "--count",
        str(args.count),
        "--subscriptions",
        str(subs_file),
    )
    env = delivery._env(
        url,
        DJANGO_SETTINGS_MODULE=args.settings,
        VAPID_PRIVATE_KEY=vapid["private"],
        VAPID_PUBLIC_KEY=vapid["public"],
        VAPID_SUBJECT=delivery.SUBJECT,
        PYTHONUNBUFFERED="1",
    )
    procs, logs = [], []
    for n in range(args.workers):
        log = db.workdir / f"lateness-worker-{n + 1}.log"
        logs.append(log)
        command = [
            sys.executable,
            "manage.py",
            "reminders_worker",
            "--worker-id",
            f"late-w{n + 1}",
        ] + (["--idle", str(args.idle)] if args.idle else [])
        procs.append(
            subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
            )
        )
    for log in logs:
        started = time.monotonic()
        while "started" not in log.read_text() and time.monotonic() - started < 60:
            time.sleep(0.05)
    receiver.new_pushes()
    start = time.time() + 5
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--role",
            "arm",
            "--database-url",
            url,
            "--settings",
            args.settings,
            "--start",
            str(start),
            "--spread",
            str(args.spread),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    due: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])["due"]
    keys: collections.Counter[str] = collections.Counter()
    lateness: list[float] = []
    rss: list[float] = []
    last_arrival = start
    last_progress = time.monotonic()
    end = time.monotonic() + args.spread + 300  # bounded, whatever happens
    while len(keys) < len(due) and time.monotonic() < end:
        if time.monotonic() - last_progress > 60 and time.time() > start + args.spread:
            break
        time.sleep(0.5)
        rss.append(sum(delivery.rss_mb(p.pid) for p in procs))
        pushes = receiver.new_pushes()["pushes"]
        for _, arrived, tag in pushes:
            pk = (tag or "").removeprefix("reminder-")
            keys[pk] += 1
            if keys[pk] == 1 and pk in due:
                lateness.append(arrived - due[pk])
                last_arrival = max(last_arrival, arrived)
        if pushes:
            last_progress = time.monotonic()
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=120)
    for _, _, tag in receiver.new_pushes()["pushes"]:
        keys[(tag or "").removeprefix("reminder-")] += 1
    report = delivery.child(args.settings, url, "--role", "report")
    db.drop(url)
    delivered = len([k for k in keys if k in due])
    duplicates = sum(n - 1 for n in keys.values())
    seconds = last_arrival - start
    text = (
        f"{db.label:<11}{args.workers:>8}{len(due):>8,}{delivered:>10,}"
        f"{delivered / seconds if seconds > 0 else 0:>8.0f}"
        f"{percentile(lateness, 50):>9.2f}s{percentile(lateness, 99):>9.2f}s"
        f"{max(lateness, default=0):>9.2f}s{max(rss, default=0):>10.0f} MB{duplicates:>6}"
    )
    problems = delivered != len(due) or duplicates > 0
    if problems:
        text += f"\n  PROBLEM: {len(due) - delivered} missing, {duplicates} twice; {report}"
    return text, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds they are spread over")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--databases", default="postgres")
    parser.add_argument(
        "--idle",
        type=float,
        default=0.0,
        help="the workers' idle wait (default: REMINDERS_IDLE_SECONDS)",
    )
    parser.add_argument("--settings", default="project.settings_test")
    parser.add_argument("--role", choices=["arm"], help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role:
        print(json.dumps(role_arm(args.start, args.spread, args.database_url, args.settings)))
        return 0

    vapid = delivery_vapid()
    workdir = Path(tempfile.mkdtemp(prefix="unknot-bench-lateness-"))
    receiver = delivery.Receiver(vapid["public"])
    databases: list[delivery.Database] = []
    rows, failed = [], False
    try:
        for name in [d.strip().lower() for d in args.databases.split(",") if d.strip()]:
            if name == "sqlite":
                databases.append(delivery.make_template("SQLite", "", args.settings, workdir))
            else:
                url = delivery.postgres_url()
                if url is None:
                    print("PostgreSQL: not available; skipped.")
                    continue
                # Databases named apart from bench/delivery.py's, which may run meanwhile.
                url = delivery._with_db_name(url, f"{delivery._db_name(url) or 'unknot'}_late")
                databases.append(delivery.make_template("PostgreSQL", url, args.settings, workdir))
        print(
            f"Reminder lateness: {args.count:,} occurrences spread evenly over "
            f"{args.spread:g} s ({args.count / args.spread:.0f} due a second), "
            f"{args.workers} worker(s), idle wait "
            f"{args.idle or 'REMINDERS_IDLE_SECONDS (default)'}; Python "
            f"{platform.python_version()}, {os.cpu_count()} CPUs; push service: "
            "tests/push_receiver.py in its own process.",
            flush=True,
        )
        for db in databases:
            text, problem = run(db, receiver, args, vapid)
            rows.append(text)
            failed |= problem
    finally:
        receiver.stop()
        for db in databases:
            db.close()
        shutil.rmtree(workdir, ignore_errors=True)
    header = (
        f"{'database':<11}{'workers':>8}{'due':>8}{'delivered':>10}{'per s':>8}"
        f"{'late p50':>10}{'late p99':>10}{'late max':>10}{'worker RSS':>13}{'twice':>6}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    print("\n".join(rows))
    print(
        "\nlate: arrival at the push service minus the reminder's own due time; per s: "
        "deliveries a second from the first due time to the last arrival (the offered rate is "
        f"{args.count / args.spread:.0f}/s); worker RSS: the workers together, at most."
    )
    return 1 if failed or not rows else 0


def delivery_vapid() -> dict[str, str]:
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


if __name__ == "__main__":
    sys.exit(main())
