"""Faults at full scale: a push-service outage, a worker killed mid-batch, PostgreSQL restarted.

Run it with `make bench` or `.venv/bin/python bench/faults.py [--scenarios push,kill,restart]
[--restart-postgres]`. Each scenario uses throwaway databases and the local push service of
tests/push_receiver.py in its own process, as bench/delivery.py does:

- push: `--count` reminders (default 2,000) due at once, 2 workers, while the push service
  answers 500 to everything for `--outage-seconds` (default 20), then recovers. The workers
  retry with backoff (REMINDERS_RETRY_BASE_SECONDS=2 and 8 attempts here, so the retries fit
  the run): every reminder must arrive, each exactly once.
- kill: `--count` reminders due at once, one worker; once a quarter have arrived it is killed
  with SIGKILL mid-batch, and another worker starts (REMINDERS_LEASE_SECONDS=20 here, so the
  killed worker's claim runs out within the run). Deliveries are counted per device and
  reminder: lost (never arrived) must be 0; duplicates (arrived twice: sent by the killed
  worker, not yet recorded, and sent again) are reported.
- restart: the load of bench/load.py (locust, gunicorn with 4 processes, 2 workers, reminders
  coming due) on PostgreSQL, and `pg_ctlcluster <version> main restart` a third of the way
  in, then a wait on pg_isready. A probe asks for a signed-in page (which needs the database)
  every 0.2 s: while the database is down the app must answer a readable 503 with
  Retry-After (no 500, no stack trace) and recover by itself once it is back; the workers must
  survive and deliver every reminder once. This restarts the machine's PostgreSQL, which
  breaks anyone else's connections: it runs only with --restart-postgres (or
  BENCH_RESTART_POSTGRES=1), on a machine nobody else is using.
- terminate: the same, but instead of a restart every connection to this benchmark's own
  database is terminated (pg_terminate_backend, as a restart does to them) again and again
  for 5 s: safe on a shared machine, and always run.

It exits with 1 when a scenario fails its promise (a reminder lost, a 500 or a stack trace
while the database is down, no recovery, a worker that died).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import delivery  # noqa: E402 (bench/delivery.py: push service, databases, roles)
import load  # noqa: E402 (bench/load.py: gunicorn, locust)

SETTINGS = "project.settings_test"


def pg_version() -> str:
    return sorted((p.name for p in Path("/usr/lib/postgresql").glob("*")), key=int)[-1]


class Deliveries:
    """What arrived at the push service, per (device, reminder)."""

    def __init__(self, receiver: delivery.Receiver) -> None:
        self.receiver = receiver
        self.keys: collections.Counter[tuple[str, str]] = collections.Counter()
        self.statuses: dict[str, int] = {}
        receiver.new_pushes()

    def poll(self) -> int:
        answer = self.receiver.new_pushes()
        for path, _, tag in answer["pushes"]:
            self.keys[(path, tag)] += 1
        self.statuses = answer.get("statuses", {})
        return len(self.keys)

    def wait_for(self, count: int, *, timeout: float) -> int:
        end = time.monotonic() + timeout
        while self.poll() < count and time.monotonic() < end:
            time.sleep(0.25)
        return len(self.keys)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.keys.values())


def worker_env(url: str, vapid: dict[str, str], **extra: str) -> dict[str, str]:
    return delivery._env(
        url,
        DJANGO_SETTINGS_MODULE=SETTINGS,
        VAPID_PRIVATE_KEY=vapid["private"],
        VAPID_PUBLIC_KEY=vapid["public"],
        VAPID_SUBJECT=delivery.SUBJECT,
        PYTHONUNBUFFERED="1",
        **extra,
    )


def start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "reminders_worker", "--worker-id", name, "--idle", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    started = time.monotonic()
    while "started" not in log.read_text() and time.monotonic() - started < 60:
        time.sleep(0.05)
    return proc


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def prepared(db: delivery.Database, receiver: delivery.Receiver, count: int) -> str:
    url = db.fresh()
    subscriptions = receiver.devices(max(count // delivery.PER_USER, 1))
    subs_file = db.workdir / "subscriptions.json"
    subs_file.write_text(json.dumps(subscriptions))
    delivery.child(
        SETTINGS, url, "--role", "prepare", "--count", str(count), "--subscriptions", str(subs_file)
    )
    return url


# Push-service outage -----------------------------------------------------------------------


def scenario_push(
    db: delivery.Database,
    receiver: delivery.Receiver,
    vapid: dict[str, str],
    args: argparse.Namespace,
) -> tuple[list[str], bool]:
    url = prepared(db, receiver, args.count)
    env = worker_env(url, vapid, REMINDERS_RETRY_BASE_SECONDS="2", REMINDERS_MAX_ATTEMPTS="8")
    got = Deliveries(receiver)
    receiver._call("/_control/outage", {"status": 500})
    procs = [start_worker(env, f"push-w{n}", db.workdir / f"push-w{n}.log") for n in (1, 2)]
    delivery.child(SETTINGS, url, "--role", "arm")
    time.sleep(args.outage_seconds)  # the outage lasts this long, on purpose
    during = got.poll()
    refused = got.statuses.get("500", 0)
    receiver._call("/_control/outage", {"status": None})
    recovered_at = time.monotonic()
    delivered = got.wait_for(args.count, timeout=180)
    took = time.monotonic() - recovered_at
    stop(procs)
    got.poll()
    report = delivery.child(SETTINGS, url, "--role", "report")
    db.drop(url)
    lost = args.count - delivered
    alive = all(p.returncode == 0 for p in procs)
    ok = lost == 0 and got.duplicates == 0 and alive
    return [
        f"push-service outage: {args.count:,} reminders due at once, every push answered 500 "
        f"for {args.outage_seconds:g} s ({refused:,} refused, {during} delivered meanwhile), "
        "then the service recovered:",
        f"  delivered {delivered:,} of {args.count:,} ({lost} lost), {got.duplicates} twice, "
        f"all in {took:.1f} s after the recovery; workers exited cleanly: {alive}; "
        f"occurrences {report['occurrences']}.",
    ], not ok


# SIGKILL mid-batch -------------------------------------------------------------------------


def scenario_kill(
    db: delivery.Database,
    receiver: delivery.Receiver,
    vapid: dict[str, str],
    args: argparse.Namespace,
) -> tuple[list[str], bool]:
    url = prepared(db, receiver, args.count)
    env = worker_env(url, vapid, REMINDERS_LEASE_SECONDS="20")
    got = Deliveries(receiver)
    first = start_worker(env, "kill-w1", db.workdir / "kill-w1.log")
    delivery.child(SETTINGS, url, "--role", "arm")
    at_kill = got.wait_for(args.count // 4, timeout=120)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = time.monotonic()
    second = start_worker(env, "kill-w2", db.workdir / "kill-w2.log")
    delivered = got.wait_for(args.count, timeout=180)
    took = time.monotonic() - killed_at
    stop([second])
    got.poll()
    report = delivery.child(SETTINGS, url, "--role", "report")
    db.drop(url)
    lost = args.count - len(got.keys)
    devices = len({path for path, _ in got.keys})
    ok = lost == 0
    return [
        f"SIGKILL mid-batch: {args.count:,} reminders due at once to {devices:,} devices; "
        f"the worker was killed with {at_kill:,} delivered, another started:",
        f"  lost {lost} (per device and reminder), duplicates {got.duplicates} (sent by the "
        f"killed worker but not yet recorded, sent again); all {delivered:,} in {took:.1f} s "
        f"after the kill (lease 20 s); occurrences {report['occurrences']}.",
    ], not ok


# PostgreSQL restart under load -------------------------------------------------------------


@dataclass
class Probe:
    """A signed-in page every 0.2 s: (seconds since start, status, retry-after, body kind)."""

    url: str
    cookie: str
    seconds: float
    samples: list[tuple[float, int, str, str]] = field(default_factory=list)

    def run(self) -> None:
        start = time.monotonic()
        while time.monotonic() - start < self.seconds:
            status, retry, kind = 0, "", ""
            request = urllib.request.Request(self.url, headers={"Cookie": self.cookie})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status, body = response.status, response.read().decode(errors="replace")
            except urllib.error.HTTPError as error:
                status, retry = error.code, error.headers.get("Retry-After", "")
                body = error.read().decode(errors="replace")
            except OSError as error:
                body = f"connection error: {error}"
            if "Traceback" in body or "OperationalError" in body:
                kind = "stack trace"
            elif "Back in a moment" in body:
                kind = "503 page"
            elif "Log out" in body:
                kind = "page"
            else:
                kind = body[:60]
            self.samples.append((time.monotonic() - start, status, retry, kind))
            time.sleep(0.2)


def restart_postgres(url: str, db_name: str) -> None:
    """The real thing: the whole cluster restarts, then a wait until it accepts connections."""
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "pg_ctlcluster", pg_version(), "main", "restart"], check=True)
    for _ in range(300):
        if subprocess.run(["pg_isready", "-q"], check=False).returncode == 0:
            break
        time.sleep(0.2)


def terminate_connections(url: str, db_name: str, seconds: float = 5.0) -> None:
    """Only this benchmark's database: every connection to it is terminated (what a restart
    does to them: "terminating connection due to administrator command"), again and again for
    `seconds`, so new ones die too. Nobody else's connections are touched."""
    import psycopg

    end = time.monotonic() + seconds
    with psycopg.connect(delivery._with_db_name(url, "postgres"), autocommit=True) as admin:
        while time.monotonic() < end:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [db_name],
            )
            time.sleep(0.05)


def scenario_restart(
    args: argparse.Namespace, receiver: delivery.Receiver, vapid: dict[str, str], mode: str
) -> tuple[list[str], bool]:
    if mode == "restart" and not (
        args.restart_postgres or os.environ.get("BENCH_RESTART_POSTGRES") == "1"
    ):
        return [
            "PostgreSQL restart: skipped (it restarts the machine's PostgreSQL: run with "
            "--restart-postgres or BENCH_RESTART_POSTGRES=1 when nobody else uses it)."
        ], False
    disrupt = restart_postgres if mode == "restart" else terminate_connections
    what = (
        f"pg_ctlcluster {pg_version()} main restart"
        if mode == "restart"
        else "every connection to the bench database terminated for 5 s"
    )
    workdir = Path(tempfile.mkdtemp(prefix="unknot-bench-faults-"))
    url, pg_name = load.prepare_database("PostgreSQL", workdir, suffix="bench_faults")
    env = load.app_env(url, vapid, {})
    stack = load.Stack(env, workdir, args.web_workers, 2)
    try:
        subscriptions = receiver.devices(args.accounts)
        subs_file = workdir / "subscriptions.json"
        subs_file.write_text(json.dumps(subscriptions))
        data = load.role(
            env,
            "--role",
            "prepare",
            "--accounts",
            str(args.accounts),
            "--reminders-each",
            "2",
            "--subscriptions",
            str(subs_file),
        )
        data_file = workdir / "load-data.json"
        data_file.write_text(json.dumps(data))
        stack.start()
        got = Deliveries(receiver)
        due = load.role(
            env,
            "--role",
            "arm",
            "--start",
            str(time.time() + 5),
            "--spread",
            str(max(args.run_time - 10, 1)),
        )["due"]
        cookie = f"{data['session_cookie']}={data['sessions'][0]}"
        probe = Probe(stack.url + "/hydration/", cookie, args.run_time + 20)
        prober = threading.Thread(target=probe.run, daemon=True)
        locust = threading.Thread(
            target=lambda: results.append(
                load.run_locust(
                    stack.url,
                    data_file,
                    Path(args.out) / "faults-restart",
                    flow="full",
                    users=args.users,
                    spawn_rate=args.spawn_rate,
                    seconds=args.run_time,
                )
            ),
            daemon=True,
        )
        results: list[load.LocustRun] = []
        t0 = time.monotonic()
        prober.start()
        locust.start()
        time.sleep(args.run_time / 3)  # the load runs a while before the restart, on purpose
        down_at = time.monotonic() - t0
        disrupt(url, pg_name or "")
        up_at = time.monotonic() - t0
        locust.join(timeout=args.run_time + 180)
        prober.join(timeout=60)
        got.wait_for(len(due), timeout=90)
        alive = [p.poll() is None for p in stack.workers]
        stack.stop()
        occurrences = load.role(env, "--role", "report")["occurrences"]
    finally:
        stack.stop()
        if pg_name:
            delivery._pg_admin(url, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
    offset = 0.0  # the probe started with the load
    outage = [s for s in probe.samples if s[1] != 200]
    kinds = collections.Counter((s[1], s[3]) for s in outage)
    bad = [s for s in probe.samples if s[1] == 500 or s[3] == "stack trace"]
    after = [s for s in probe.samples if s[0] + offset > up_at]
    recovered = next((s[0] - up_at for s in after if s[1] == 200), None)
    all_503_retry = all(s[2] for s in outage if s[1] == 503)
    run = results[0] if results else None
    statuses: collections.Counter[str] = collections.Counter()
    if run:
        for _, error, n in run.failures:
            code = next((c for c in ("503", "500", "502", "504") if c in error), "other")
            statuses[code] += n
    lost = len(due) - len([k for k in got.keys if k[1].removeprefix("reminder-") in due])
    ok = not bad and recovered is not None and all(alive) and lost == 0 and all_503_retry
    return [
        f"PostgreSQL outage under load ({what}; {args.users} users, gunicorn "
        f"{args.web_workers} processes, 2 workers): from {down_at:.1f} s to {up_at:.1f} s.",
        f"  probe (a signed-in page every 0.2 s): {len(probe.samples)} requests, not 200: "
        + (", ".join(f"{n}x {code} {kind}" for (code, kind), n in kinds.items()) or "none")
        + f"; 500s or stack traces: {len(bad)}; every 503 had Retry-After: {all_503_retry}; "
        + (
            f"first 200 {recovered:.1f} s after the database was back."
            if recovered is not None
            else "no 200 after the database was back."
        ),
        f"  locust: {run.total.requests if run else 0:,} requests, "
        f"{run.total.failures if run else 0:,} failed ({dict(statuses)}).",
        f"  reminders: {len(due) - lost:,} of {len(due):,} delivered, {got.duplicates} twice; "
        f"workers alive after the restart: {alive}; occurrences {occurrences}.",
    ], not ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="push,kill,terminate,restart")
    parser.add_argument("--count", type=int, default=2000, help="reminders (push, kill)")
    parser.add_argument("--outage-seconds", type=float, default=20)
    parser.add_argument("--databases", default="postgres", help="for push and kill")
    parser.add_argument("--restart-postgres", action="store_true")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=50)
    parser.add_argument("--run-time", type=int, default=60)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args(argv)
    wanted = {s.strip() for s in args.scenarios.split(",") if s.strip()}
    Path(args.out).mkdir(parents=True, exist_ok=True)
    vapid = load.vapid_keys()
    workdir = Path(tempfile.mkdtemp(prefix="unknot-bench-faults-"))
    receiver = delivery.Receiver(vapid["public"])
    lines: list[str] = ["Faults:"]
    failed = False
    databases: list[delivery.Database] = []
    try:
        for name in [d.strip().lower() for d in args.databases.split(",") if d.strip()]:
            if name == "sqlite":
                databases.append(delivery.make_template("SQLite", "", SETTINGS, workdir))
            elif url := delivery.postgres_url():
                url = delivery._with_db_name(url, f"{delivery._db_name(url) or 'unknot'}_faults")
                databases.append(delivery.make_template("PostgreSQL", url, SETTINGS, workdir))
        for db in databases:
            for name, scenario in (("push", scenario_push), ("kill", scenario_kill)):
                if name in wanted:
                    print(f"  {name} ({db.label})...", flush=True)
                    text, problem = scenario(db, receiver, vapid, args)
                    lines += [f"[{db.label}] {line}" for line in text]
                    failed |= problem
        for mode in ("terminate", "restart"):
            if mode in wanted:
                print(f"  {mode}...", flush=True)
                text, problem = scenario_restart(args, receiver, vapid, mode)
                lines += text
                failed |= problem
    finally:
        receiver.stop()
        for db in databases:
            db.close()
        shutil.rmtree(workdir, ignore_errors=True)
    text = "\n".join(lines)
    print(text)
    (Path(args.out) / "faults.md").write_text(text + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
