"""Run in another process by tests/test_throttle_processes.py: a Django test client (or the
throttle cache) on the shared test database, printing what it saw as one JSON line.

    python -m tests.helpers.throttle_client signup N       # N bad sign-ups: the status codes
    python -m tests.helpers.throttle_client login N PASS   # N log-ins as "sam" with PASS
    python -m tests.helpers.throttle_client count N        # N throttle counts of one key
"""

from __future__ import annotations

import json
import os
import sys

import django


def main(mode: str, n: int, *rest: str) -> object:
    django.setup()
    from django.core.cache import caches
    from django.test import Client

    if mode == "signup":
        data = {"username": f"p{os.getpid()}", "password1": "one-Password-1", "password2": "x"}
        return [Client().post("/accounts/signup/", data).status_code for _ in range(n)]
    if mode == "login":
        data = {"username": "sam", "password": rest[0]}
        return [Client().post("/accounts/login/", data).status_code for _ in range(n)]
    if mode == "count":
        # What django-ratelimit does for each request: add the key, or else increment it.
        cache = caches["throttle"]
        for _ in range(n):
            if not cache.add("shared-count", 1, 600):
                cache.incr("shared-count")
        return "done"
    raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), *sys.argv[3:])))
