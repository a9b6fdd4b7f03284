"""The simulated users of bench/load.py (locust, run from the separate .venv-bench).

Not run by hand as a rule: bench/load.py starts the server and writes the data file this
reads (LOAD_DATA: the routines to open and the session keys of pre-made accounts). Each user
loops, as someone on a phone would, with no pause between requests (a closed loop, to find
the capacity):

1. browses: the home page, the library, a prevention routine's page;
2. as a guest, starts a relief routine: the safety check page, then Start ("None of these");
3. opens the run page and sends 10 controls as the player script does (POST
   /runs/<id>/control/ with the CSRF token in X-CSRFToken and Accept: application/json):
   pause and resume, with a skip after every second pair; then ends the run;
4. signed in (a pre-made account's session: signing in is throttled and its password hash is
   slow on purpose), opens the home page and logs a glass as the htmx button does.

LOAD_FLOW=baseline makes every user fetch only the bare baseline view instead, for the
throughput the app is compared with. Every answer is checked (status and content); anything
unexpected counts as a failure with the reason.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import secrets
import uuid
from pathlib import Path
from typing import Any

from locust import FastHttpUser, constant, task

DATA: dict[str, Any] = json.loads(Path(os.environ["LOAD_DATA"]).read_text())
FLOW = os.environ.get("LOAD_FLOW", "full")
CONTROLS = 10
_accounts = itertools.cycle(DATA["sessions"])


def _csrf_cookie(client: Any) -> str:
    for cookie in client.cookiejar:
        if cookie.name == DATA["csrf_cookie"]:
            return str(cookie.value)
    return ""


class PhoneUser(FastHttpUser):
    wait_time = constant(0)
    # One connection per user, as a phone's browser keeps one to the site.
    concurrency = 1
    network_timeout = 60.0
    connection_timeout = 60.0

    @task
    def visit(self) -> None:
        if FLOW == "baseline":
            self._expect("GET", "/__bench__/baseline/", "baseline", contains="Hello, bench")
            return
        self.client.cookiejar.clear()
        self._browse()
        run_url = self._start_guest_run()
        if run_url:
            self._controls(run_url)
        self._log_a_glass()

    # Steps ----------------------------------------------------------------------------------

    def _browse(self) -> None:
        self._expect("GET", "/", "home", contains="Unknot")
        self._expect("GET", "/routines/", "library", contains="<main")
        slug = random.choice(DATA["prevention"])
        self._expect("GET", f"/routines/{slug}/", "routine page", contains="<form")

    def _start_guest_run(self) -> str:
        slug = DATA["relief"]
        self._expect("GET", f"/routines/{slug}/check/", "safety check", contains='value="clear"')
        token = _csrf_cookie(self.client)
        with self.client.request(
            "POST",
            f"/routines/{slug}/start/",
            name="start (guest)",
            data={"csrfmiddlewaretoken": token, "safety": "clear"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "") if response.status_code == 303 else ""
            if not location.startswith("/runs/"):
                response.failure(f"start answered {response.status_code}, not 303 to a run")
                return ""
            response.success()
        self._expect("GET", location, "run page", contains="player")
        return location

    def _controls(self, run_url: str) -> None:
        state = {"phase": 0, "paused": False, "remaining_ms": 1, "finished": False}
        pairs = 0
        for _ in range(CONTROLS):
            if state["finished"]:
                break
            if state["paused"]:
                action = "resume"
                pairs += 1
            elif (pairs and pairs % 2 == 0) or state["remaining_ms"] is None:
                action, pairs = "skip", 0
            else:
                action = "pause"
            answer = self._control(run_url, action, state["phase"])
            if answer is None:
                return
            state = answer
        if not state["finished"]:
            self._control(run_url, "end", state["phase"])

    def _control(self, run_url: str, action: str, phase: int) -> dict[str, Any] | None:
        with self.client.request(
            "POST",
            f"{run_url}control/",
            name=f"control {action}",
            data={"action": action, "phase": str(phase), "control_id": uuid.uuid4().hex},
            headers={
                "X-CSRFToken": _csrf_cookie(self.client),
                "Accept": "application/json",
            },
            catch_response=True,
        ) as response:
            try:
                answer = response.json() if response.status_code == 200 else None
            except ValueError:
                answer = None
            if answer is None or "phase" not in answer:
                response.failure(f"{action} answered {response.status_code}: {response.text[:80]}")
                return None
            response.success()
            return answer

    def _log_a_glass(self) -> None:
        self.client.cookiejar.clear()
        token = secrets.token_hex(16)  # a CSRF cookie of the browser's own (32 characters)
        cookies = f"{DATA['session_cookie']}={next(_accounts)}; {DATA['csrf_cookie']}={token}"
        self._expect(
            "GET", "/", "home (signed in)", contains="Log out", headers={"Cookie": cookies}
        )
        self._expect(
            "POST",
            "/hydration/add/",
            "log a glass (htmx)",
            contains="glass",
            headers={"Cookie": cookies, "X-CSRFToken": token, "HX-Request": "true"},
            data={"from": "home"},
        )

    def _expect(
        self,
        method: str,
        path: str,
        name: str,
        *,
        contains: str,
        headers: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
    ) -> None:
        with self.client.request(
            method, path, name=name, headers=headers, data=data, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} (not 200)")
            elif contains not in (response.text or ""):
                response.failure(f"the page lacks {contains!r}")
            else:
                response.success()
