"""Lighthouse (mobile) on the pages someone in a cramp meets: a quality gate for `make audit`
and `.ci/run`.

It serves the app as production would (gunicorn, DEBUG=0, collected static files, the shipped
library) on a throw-away SQLite database on 127.0.0.1, starts a run for the player page with a
real session, then runs Lighthouse three times on each page and takes the median score of
each category. It fails when a median is under its floor: accessibility, best practices and
SEO 100, performance 95. Lighthouse's performance score comes from its simulated mobile
throttling (a model of a mid-range phone on a slow network), not from this machine's clock,
which keeps it steady enough on a shared machine.

    .venv/bin/python .ci/lighthouse.py [--runs 3] [--pages home,player]

Scores and each run's JSON go to test-results/lighthouse/.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / ".ci" / "node_modules" / ".bin" / "lighthouse"
OUT = ROOT / "test-results" / "lighthouse"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"

FLOORS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}

RELIEF = "calf-cramp-relief"
PREVENTION = "bedtime-stretches"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_env(workdir: Path, port: int) -> dict[str, str]:
    """Production settings, except that the site is plain http on 127.0.0.1 (so no https
    redirect, no secure-only cookies, no HSTS), on a database of its own."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "ENV_FILE": "/dev/null",
        "DEBUG": "0",
        "SECRET_KEY": "audit-" + secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{workdir / 'audit.sqlite3'}",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
        "SECURE_HSTS_PRELOAD": "0",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
        "AUDIT_PORT": str(port),
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[str]:
    """gunicorn, returned once it says it is listening (its own start-up line)."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [str(gunicorn), "project.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    out = log.open("w")
    for line in proc.stdout:
        out.write(line)
        if "Booting worker" in line:
            # The rest of its output keeps going to the log, so the pipe never fills.
            threading.Thread(
                target=shutil.copyfileobj, args=(proc.stdout, out), daemon=True
            ).start()
            return proc
    raise SystemExit(f"gunicorn stopped before it was ready; see {log}")


def start_run(base: str) -> tuple[str, str]:
    """Start the prevention routine as a browser would: (the run's URL, the Cookie header)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/routines/{PREVENTION}/", timeout=30).read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, "the routine page has a Start form with a CSRF token"
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1)}).encode()
    request = urllib.request.Request(
        f"{base}/routines/{PREVENTION}/start/",
        data=body,
        headers={"Origin": base, "Referer": f"{base}/routines/{PREVENTION}/"},
    )
    with opener.open(request, timeout=30) as response:
        url = response.geturl()
    assert re.search(r"/runs/[0-9a-f-]+/$", url), f"Start led to {url}, not a run"
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return url, cookie


def lighthouse(url: str, report: Path, cookie: str | None) -> dict[str, int] | None:
    """One Lighthouse run: each category's score out of 100, or None if the run failed (the
    first run after start-up can fail with NO_NAVSTART)."""
    args = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        "--form-factor=mobile",
        "--only-categories=" + ",".join(FLOORS),
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if cookie:
        args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    done = subprocess.run(
        args, env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True
    )
    if done.returncode != 0 or not report.is_file():
        print(f"  lighthouse failed on {url}: {done.stderr.strip()[-400:]}", file=sys.stderr)
        return None
    data = json.loads(report.read_text())
    if data.get("runtimeError"):
        print(f"  lighthouse: {data['runtimeError'].get('code')} on {url}", file=sys.stderr)
        return None
    scores = {}
    for name, category in data["categories"].items():
        if category["score"] is None:
            return None
        scores[name] = round(category["score"] * 100)
    return scores


def failed_audits(report: Path) -> list[str]:
    """The audits that cost points outside performance, to say what to fix."""
    data = json.loads(report.read_text())
    refs = {
        ref["id"]
        for name, category in data["categories"].items()
        if name != "performance"
        for ref in category["auditRefs"]
        if ref.get("weight")
    }
    return [
        f"{audit_id}: {audit['title']}"
        for audit_id, audit in data["audits"].items()
        if audit_id in refs and audit.get("score") is not None and audit["score"] < 1
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: `make node` installs Lighthouse")
    OUT.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="unknot-audit-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        env = app_env(workdir, port)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "load_library", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        server = serve(env, port, OUT / "gunicorn.log")
        try:
            base = f"http://127.0.0.1:{port}"
            run_url, cookie = start_run(base)
            pages = {
                "home": (f"{base}/", None),
                "library": (f"{base}/routines/", None),
                "routine": (f"{base}/routines/{PREVENTION}/", None),
                "safety-check": (f"{base}/routines/{RELIEF}/check/", None),
                "player": (run_url, cookie),
            }
            chosen = [p for p in args.pages.split(",") if p] or list(pages)
            # A first run that warms Chromium and the server; it may fail with NO_NAVSTART.
            lighthouse(pages["home"][0], OUT / "warm-up.json", None)
            results: dict[str, dict[str, float]] = {}
            problems: list[str] = []
            for name in chosen:
                url, page_cookie = pages[name]
                runs: list[dict[str, int]] = []
                attempts = 0
                # NO_NAVSTART now and then, on any page ("Please run Lighthouse again"): a
                # failed run gives no scores, so retrying hides nothing; a page that never
                # completes is reported below.
                while len(runs) < args.runs and attempts < args.runs + 4:
                    attempts += 1
                    report = OUT / f"{name}-{len(runs) + 1}.json"
                    scores = lighthouse(url, report, page_cookie)
                    if scores is not None:
                        runs.append(scores)
                if len(runs) < args.runs:
                    problems.append(f"{name}: only {len(runs)} of {args.runs} runs completed")
                    continue
                medians = {c: statistics.median(r[c] for r in runs) for c in FLOORS}
                results[name] = medians
                for category, floor in FLOORS.items():
                    if medians[category] < floor:
                        problems.append(f"{name}: {category} {medians[category]:.0f} < {floor}")
                if any(medians[c] < FLOORS[c] for c in FLOORS if c != "performance"):
                    problems.extend(f"  {name}: {a}" for a in failed_audits(OUT / f"{name}-1.json"))
        finally:
            server.terminate()
            server.wait(timeout=30)

    width = max(map(len, results), default=4)
    print(f"\nLighthouse, mobile, median of {args.runs} runs")
    print(f"{'page':<{width}}  " + "  ".join(f"{c:>14}" for c in FLOORS))
    for name, medians in results.items():
        print(f"{name:<{width}}  " + "  ".join(f"{medians[c]:>14.0f}" for c in FLOORS))
    (OUT / "summary.json").write_text(json.dumps(results, indent=2))
    if problems:
        print("\nBelow the floors (" + ", ".join(f"{c} {f}" for c, f in FLOORS.items()) + "):")
        print("\n".join(problems))
        return 1
    print("All pages meet the floors.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
