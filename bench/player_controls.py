"""Server time of the player's state and control requests, as a ratio to a bare Django view.

Run it with `.venv/bin/python bench/player_controls.py [--requests 300] [--warmup 30]
[--steps 12] [--profile]`. Like `bench/pages.py` (whose set-up it reuses), it builds a
throwaway SQLite database and calls the WSGI application in-process, so the numbers are the
server's own work: routing, every middleware (sessions, CSRF, CSP, htmx), the view, its queries
and, for a control, the transaction that saves the run.

Requests carry what a phone's browser sends: the session cookie, the CSRF cookie and the
`X-CSRFToken` header the player script takes from the page (the check is not switched off).
Each request is timed for a guest and for a signed-in user: GET state, POST pause and POST
resume (alternating on one run), and POST skip then back (a pair that returns the run to its
first phase). The target is every request within 2x of the baseline; timings never make this
script fail. It exits non-zero only when a request does not answer as expected.

It also weighs the player page as `tests/test_payload.py` weighs the public pages: the HTML
compressed with gzip level 9, plus every stylesheet and script the page references (and the
modules those scripts import), each compressed the same way. The target is at most 60 KB.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import gzip
import io
import logging
import platform
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages  # bench/pages.py: configure() and the baseline view

TARGET_RATIO = pages.TARGET_RATIO
PAYLOAD_LIMIT = 60 * 1024
#: The first step is long, so that no phase ends by time while the benchmark runs.
FIRST_STEP_SECONDS = 1800


@dataclass
class Browser:
    """What a browser holds for this site: its cookies and the page's CSRF token."""

    name: str
    cookies: dict[str, str]
    token: str
    run_url: str

    def headers(self, *, post: bool = False) -> dict[str, str]:
        found = {"HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if post:
            found["HTTP_X_CSRFTOKEN"] = self.token
            found["HTTP_ACCEPT"] = "application/json"
            found["HTTP_ORIGIN"] = "http://testserver"
        return found


@dataclass
class Request:
    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    #: A callable so that each POST gets a fresh control id, as the player script sends.
    body: Callable[[], dict[str, str]] | None = None
    status: int = 200
    times_ns: list[int] = field(default_factory=list)
    queries: int = 0
    failures: list[str] = field(default_factory=list)


def call(app: Callable[..., Iterable[bytes]], request: Request) -> tuple[int, bytes, list[Any]]:
    """One request through the WSGI application: status, body and response headers."""
    data = urlencode(request.body()).encode() if request.body else b""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": request.path,
        "QUERY_STRING": "",
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **request.headers,
    }
    if data:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(data))
    answer: list[Any] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        answer.extend([status, headers])

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close:
            close()
    return int(answer[0].split()[0]), body, answer[1]


def add_floor_view() -> None:
    """A second reference, next to the bare baseline: the least any run request must do.

    It reads the session (and so the user), then one run by its primary key, and answers a
    small JSON object: no player logic, no template. The player's ratio to this floor shows
    what the player itself costs; the ratio to the baseline includes the session and the
    database, which no request about a person's run can skip.
    """
    from django.http import HttpRequest, JsonResponse
    from django.urls import path

    from routines.player.models import Run

    def floor(request: HttpRequest, run_id: Any) -> JsonResponse:
        request.user.is_authenticated  # noqa: B018 (loads the session and the user)
        run = Run.objects.get(pk=run_id)
        return JsonResponse({"id": str(run.id), "phase": run.phase})

    pages.urlpatterns.insert(0, path("__bench__/floor/<uuid:run_id>/", floor))


def make_routine(steps: int) -> Any:
    from routines.content.models import Purpose
    from tests.factories import BULK_STEPS, make_routine

    return make_routine(
        "Bench player routine",
        slug="bench-player-routine",
        purpose=Purpose.PREVENTION,
        steps=[{"duration_seconds": FIRST_STEP_SECONDS}]
        + [BULK_STEPS[n % len(BULK_STEPS)] for n in range(steps - 1)],
    )


def browser_with_run(
    app: Callable[..., Iterable[bytes]], name: str, routine: Any, user: Any
) -> Browser:
    """Start a run as a browser does: the routine page (for the CSRF cookie and the form's
    token), POST Start, then the run page (whose body carries the token for the script)."""
    from django.conf import settings
    from django.test import Client

    cookies: dict[str, str] = {}
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value

    def remember(headers: list[Any]) -> None:
        for key, value in headers:
            if key.lower() == "set-cookie":
                cookie = SimpleCookie(value)
                for morsel in cookie.values():
                    cookies[morsel.key] = morsel.value

    browser = Browser(name, cookies, "", "")
    page = Request("routine page", "GET", routine.get_absolute_url())
    page.headers = browser.headers()
    status, body, headers = call(app, page)
    assert status == 200, status
    remember(headers)
    form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert form_token, "the routine page has no Start form with a token"
    start = Request(
        "start",
        "POST",
        f"/routines/{routine.slug}/start/",
        body=lambda: {"csrfmiddlewaretoken": form_token.group(1).decode()},
    )
    start.headers = {**browser.headers(), "HTTP_ORIGIN": "http://testserver"}
    status, body, headers = call(app, start)
    assert status == 303, (status, body[:300])
    remember(headers)
    browser.run_url = dict(headers)["Location"]
    run_page = Request("run page", "GET", browser.run_url, headers=browser.headers())
    status, body, headers = call(app, run_page)
    assert status == 200, status
    remember(headers)
    token = re.search(rb'"X-CSRFToken": "([^"]+)"', body)
    assert token, "the run page's body carries no CSRF token for the script"
    browser.token = token.group(1).decode()
    return browser


def requests_for(browser: Browser) -> list[Request]:
    counter = iter(range(10**9))

    def control(action: str) -> Callable[[], dict[str, str]]:
        return lambda: {"action": action, "control_id": f"{action}-{next(counter)}"}

    control_url = browser.run_url + "control/"
    post = browser.headers(post=True)
    who = browser.name
    run_id = browser.run_url.strip("/").rsplit("/", 1)[-1]
    return [
        Request(f"floor ({who})", "GET", f"/__bench__/floor/{run_id}/", browser.headers()),
        Request(f"state ({who})", "GET", browser.run_url + "state/", browser.headers()),
        Request(f"pause ({who})", "POST", control_url, post, control("pause")),
        Request(f"resume ({who})", "POST", control_url, post, control("resume")),
        Request(f"skip ({who})", "POST", control_url, post, control("skip")),
        Request(f"back ({who})", "POST", control_url, post, control("back")),
    ]


def count_queries(app: Callable[..., Iterable[bytes]], request: Request) -> int:
    from django.db import connection

    count = 0

    def counter(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal count
        count += 1
        return execute(*args)

    with connection.execute_wrapper(counter):
        status, body, _ = call(app, request)
    if status != request.status:
        request.failures.append(f"answered {status}: {body[:200]!r}")
    return count


def measure(
    app: Callable[..., Iterable[bytes]], requests: list[Request], rounds: int, warmup: int
) -> None:
    """Round robin, in an order that keeps each run's state valid (pause before resume, skip
    before back), so every timed request does the same work each round."""
    for request in requests:
        request.queries = count_queries(app, request)
    for _ in range(warmup):
        for request in requests:
            call(app, request)
    gc.collect()
    for _ in range(rounds):
        for request in requests:
            start = time.perf_counter_ns()
            status, body, _ = call(app, request)
            request.times_ns.append(time.perf_counter_ns() - start)
            if status != request.status and len(request.failures) < 3:
                request.failures.append(f"answered {status}: {body[:200]!r}")


def player_payload(app: Callable[..., Iterable[bytes]], browser: Browser) -> dict[str, int]:
    """The player page's weight, as tests/test_payload.py weighs a page (plus JS imports)."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    status, html, _ = call(app, Request("run page", "GET", browser.run_url, browser.headers()))
    assert status == 200, status
    sizes = {"HTML": len(gzip.compress(html, compresslevel=9))}
    urls = re.findall(rb'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    urls += re.findall(rb'<script[^>]+src="([^"]+)"', html)
    pending = [urlsplit(u.decode()).path for u in urls]
    while pending:
        path = pending.pop(0)
        if path in sizes:
            continue
        found = finders.find(path.removeprefix(settings.STATIC_URL))
        if not found:
            sizes[f"{path} (NOT FOUND)"] = 0
            continue
        data = Path(found).read_bytes()
        sizes[path] = len(gzip.compress(data, compresslevel=9))
        if path.endswith(".js"):  # ES modules the script imports load too
            for spec in re.findall(rb'import\s[^;]*?["\'](\.{1,2}/[^"\']+)["\']', data):
                base = path.rsplit("/", 1)[0]
                pending.append(_join(base, spec.decode()))
    return sizes


def _join(base: str, relative: str) -> str:
    parts = base.split("/")
    for piece in relative.split("/"):
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


#: (label, file fragment, function name): the parts of a request the profile breaks out.
PROFILE_PARTS = [
    ("whole request (WSGI)", "django/core/handlers/wsgi.py", "__call__"),
    ("session load (SELECT)", "sessions/backends/db.py", "load"),
    ("user (session + SELECT)", "contrib/auth/__init__.py", "get_user"),
    ("owned_run (incl. session)", "routines/player/sessions.py", "owned_run"),
    ("CSRF check", "django/middleware/csrf.py", "process_view"),
    ("CSP header", "csp/middleware.py", "process_response"),
    ("ControlForm validation", "django/forms/forms.py", "is_valid"),
    ("Run.phase_list (JSON -> Phase)", "routines/player/models.py", "phase_list"),
    ("Run.apply_control", "routines/player/models.py", "apply_control"),
    ("machine.apply", "routines/player/machine.py", "apply"),
    ("Run.payload", "routines/player/models.py", "payload"),
    ("Run.settle (state GET)", "routines/player/models.py", "settle"),
    ("Model.save (UPDATE)", "django/db/models/base.py", "save"),
    ("transaction exit (COMMIT)", "django/db/transaction.py", "__exit__"),
    ("SQL execute (all queries)", "django/db/backends/utils.py", "_execute"),
    ("JsonResponse", "django/http/response.py", "__init__"),
]


def profile(app: Callable[..., Iterable[bytes]], requests: list[Request], rounds: int) -> None:
    """Where a request's time goes: cumulative time of each part, per request, under cProfile
    (which roughly doubles every figure; compare the parts with each other)."""
    for request in requests:
        profiler = cProfile.Profile()
        # Pause and resume (and skip and back) in pairs keep the run's state valid.
        partner = _partner(request, requests)
        profiler.enable()
        for _ in range(rounds):
            call(app, request)
            if partner:
                profiler.disable()
                call(app, partner)
                profiler.enable()
        profiler.disable()
        # `Stats.stats` is a real attribute that typeshed leaves out.
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        print(f"\n--- profile: {request.name}, ms per request under cProfile ---")
        for label, fragment, name in PROFILE_PARTS:
            total = sum(
                row[3]
                for (file, _, function), row in stats.items()
                if function == name and fragment in file
            )
            if total:
                print(f"  {label:<32} {total / rounds * 1000:>7.3f}")


def _partner(request: Request, requests: list[Request]) -> Request | None:
    pairs = {"pause": "resume", "resume": "pause", "skip": "back", "back": "skip"}
    action = request.name.split()[0]
    if action not in pairs:
        return None
    wanted = request.name.replace(action, pairs[action], 1)
    return next(r for r in requests if r.name == wanted)


def report(
    baseline: Request, requests: list[Request], rounds: int, steps: int, payload: dict[str, int]
) -> None:
    import django

    print(
        f"Unknot player benchmark: {rounds} requests each after warm-up; Python "
        f"{platform.python_version()}, Django {django.get_version()}, SQLite (a file, as in "
        f"production on one machine). Routine of {steps} steps."
    )
    print()
    base = statistics.median(baseline.times_ns)
    header = (
        f"{'request':<20} {'median ms':>10} {'p90 ms':>8} {'x baseline':>11} {'x floor':>8} "
        f"{'queries':>8}  target {TARGET_RATIO:g}x baseline"
    )
    print(header)
    print("-" * len(header))
    floor = base
    for request in [baseline, *requests]:
        median = statistics.median(request.times_ns)
        p90 = statistics.quantiles(request.times_ns, n=10)[-1]
        if request.name.startswith("floor"):
            floor = median
        ratio = median / base
        if request is baseline or request.name.startswith("floor"):
            verdict = "(reference)"
        else:
            verdict = "meets" if ratio <= TARGET_RATIO else "misses"
        print(
            f"{request.name:<20} {median / 1e6:>10.3f} {p90 / 1e6:>8.3f} {ratio:>11.2f} "
            f"{median / floor:>8.2f} {request.queries:>8}  {verdict}"
        )
    print(
        "(baseline: a bare view, no session, no database. floor: the session, the user and one"
        " run by primary key, as JSON; x floor is against the floor row of the same person."
        " queries: one request, counted outside the timed runs; a control's BEGIN is one.)"
    )
    print()
    total = sum(payload.values())
    verdict = "meets" if total <= PAYLOAD_LIMIT else "misses"
    parts = ", ".join(f"{name} {size} B" for name, size in payload.items())
    print(f"Player page transfer (gzip level 9): {total} B = {total / 1024:.1f} KB ({parts})")
    print(f"Target at most {PAYLOAD_LIMIT // 1024} KB: {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests of each kind")
    parser.add_argument("--warmup", type=int, default=30, help="untimed rounds first")
    parser.add_argument("--steps", type=int, default=12, help="steps in the routine")
    parser.add_argument(
        "--profile", action="store_true", help="profile the requests that miss the target"
    )
    parser.add_argument(
        "--session-engine",
        choices=["db", "cached_db", "cache", "signed_cookies"],
        help="try another session backend (the project's setting is used otherwise)",
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="unknot-bench-player-"))
    try:
        pages.configure(workdir / "bench.sqlite3")
        add_floor_view()
        if args.session_engine:
            from django.conf import settings

            settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{args.session_engine}"
        # A 409 or 400 here would be a bug in the script; Django's warning for each adds noise.
        logging.getLogger("django.request").setLevel(logging.ERROR)
        from django.contrib.auth import get_user_model
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        routine = make_routine(max(args.steps, 1))
        user = get_user_model().objects.create_user("bench-user")
        app = WSGIHandler()
        guest = browser_with_run(app, "guest", routine, None)
        member = browser_with_run(app, "signed in", routine, user)
        baseline = Request("baseline", "GET", "/__bench__/baseline/")
        requests = requests_for(guest) + requests_for(member)
        rounds = max(args.requests, 2)
        measure(app, [baseline, *requests], rounds, args.warmup)
        payload = player_payload(app, guest)
        report(baseline, requests, rounds, args.steps, payload)
        if args.profile:
            profile(app, requests, min(rounds, 200))
        failed = [r for r in [baseline, *requests] if r.failures]
        for request in failed:
            print(f"{request.name}: {'; '.join(request.failures)}. Its numbers mean nothing.")
        return 1 if failed else 0
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
