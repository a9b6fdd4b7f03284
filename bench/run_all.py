"""Every benchmark, one after the other, into one report: `make bench`.

Run it with `make bench` (which also makes .venv-bench with locust) or
`.venv/bin/python bench/run_all.py [--only load,lateness] [--skip player_lag]`. Each benchmark
runs as its own process with a time limit; its output goes into bench/out/report.md (git-
ignored) under its own heading, with the command, how long it took and its exit code. Every
benchmark prints medians and ratios against a baseline measured in the same run; none gates on
absolute time. This script exits with 1 if a benchmark failed (its numbers would mean nothing)
or ran out of time.

The PostgreSQL restart of bench/faults.py runs only with BENCH_RESTART_POSTGRES=1 in the
environment (it restarts the machine's PostgreSQL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

#: (name, arguments, time limit in seconds), in the order they run.
BENCHMARKS: list[tuple[str, list[str], int]] = [
    ("pages", ["bench/pages.py"], 600),
    ("calendar_feed", ["bench/calendar_feed.py"], 900),
    ("diary", ["bench/diary.py"], 900),
    ("player_controls", ["bench/player_controls.py"], 600),
    ("player_lag", ["bench/player_lag.py"], 600),
    # A burst of 5,000 due at once (bench/delivery.py's own default of 10,000 plus a 100,000
    # memory run takes half an hour on two cores).
    ("delivery", ["bench/delivery.py", "--count", "5000", "--memory-count", "0"], 1200),
    ("fairness", ["bench/fairness.py"], 900),
    ("load", ["bench/load.py", "--out", str(OUT)], 900),
    ("lateness", ["bench/lateness.py"], 900),
    ("faults", ["bench/faults.py", "--out", str(OUT)], 1200),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated names to run")
    parser.add_argument("--skip", default="", help="comma-separated names to leave out")
    parser.add_argument("--report", type=Path, default=OUT / "report.md")
    args = parser.parse_args(argv)
    only = {n for n in args.only.split(",") if n}
    skip = {n for n in args.skip.split(",") if n}
    args.report.parent.mkdir(parents=True, exist_ok=True)
    sections = [
        "# Unknot benchmarks",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs. Figures are medians and ratios against a baseline measured in "
        "the same run; absolute times depend on the machine and what else runs on it.",
    ]
    summary = []
    failed = False
    for name, command, limit in BENCHMARKS:
        if (only and name not in only) or name in skip:
            continue
        print(f"== {name}: {' '.join(command)}", flush=True)
        started = time.monotonic()
        try:
            out = subprocess.run(
                [sys.executable, *command],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=limit,
                check=False,
            )
            code, text = (
                out.returncode,
                out.stdout
                + (f"\n(stderr, last lines)\n{out.stderr[-2000:]}" if out.returncode else ""),
            )
        except subprocess.TimeoutExpired as exc:
            code = -1
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            text = f"{stdout}\n(stopped after its time limit of {limit} s)"
        took = time.monotonic() - started
        failed |= code != 0
        print(text, flush=True)
        summary.append(f"| {name} | {took:.0f} s | {'ok' if code == 0 else f'exit {code}'} |")
        sections += [
            "",
            f"## {name}",
            "",
            f"`{' '.join(['.venv/bin/python', *command])}`: {took:.0f} s, exit code {code}.",
            "",
            "```",
            text.rstrip(),
            "```",
        ]
    sections[3:3] = ["", "| benchmark | time | result |", "|---|---|---|", *summary]
    args.report.write_text("\n".join(sections) + "\n")
    print(f"Report: {args.report.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
