"""Settings for the load and fault benchmarks only (bench/load.py, bench/faults.py,
bench/lateness.py); never used by the app or the tests.

Production settings (DEBUG off, the real middleware, sessions in the database) with:
- a URLconf that adds the bare baseline view of bench/pages.py (bench/urls_bench.py), so the
  production URLs stay as they are;
- plain HTTP on 127.0.0.1 (no HTTPS redirect or secure cookies) and static files from the
  app's folders (no collectstatic);
- the throttles switched off or raised (below, "LOAD TEST ONLY"): every simulated user comes
  from 127.0.0.1, so per-IP limits would measure the throttle, not the capacity. The report
  says so.
"""

import json
import os

os.environ.setdefault("ENV_FILE", os.devnull)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)

from project.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False
# The local push receiver (tests/push_receiver.py) speaks plain HTTP on 127.0.0.1.
PUSH_TEST_LOCAL_ENDPOINTS = True  # never read from the environment (settings_push.py)

# LOAD TEST ONLY: throttles off or raised, so the load measures capacity ----------------------
#: The packages' own switches (django-ratelimit, django-axes), if they are installed.
RATELIMIT_ENABLE = False
AXES_ENABLED = False
#: The app's own per-hour caps on starting routines (the rates above are django-ratelimit's).
LOAD_TEST_RAISED_LIMIT = 1_000_000_000
LOAD_TEST_RAISED_SETTINGS = [
    "GUEST_RUNS_PER_SESSION_PER_HOUR",
    "GUEST_RUNS_PER_IP_PER_HOUR",
    "RUNS_PER_ACCOUNT_PER_HOUR",
]
for _name in LOAD_TEST_RAISED_SETTINGS:
    globals()[_name] = LOAD_TEST_RAISED_LIMIT
#: More, by name: BENCH_SETTINGS='{"NAME": value, ...}' (bench/load.py --setting NAME=VALUE).
LOAD_TEST_OVERRIDES = json.loads(os.environ.get("BENCH_SETTINGS") or "{}")
globals().update(LOAD_TEST_OVERRIDES)
