"""Web Push and reminder worker settings, read from the environment.

Imported by project/settings.py (`from .settings_push import *`). Self-contained on purpose:
it reads DEBUG from the environment itself rather than importing settings.py back.

VAPID keys identify this server to the browsers' push services:

- `VAPID_PUBLIC_KEY`: the base64url uncompressed P-256 point the browser gets as
  `applicationServerKey` (derived from the private key when left empty);
- `VAPID_PRIVATE_KEY`: the matching private key, base64url raw (32 bytes) or PEM;
- `VAPID_SUBJECT`: a contact for the push services, `mailto:...` or `https://...`.

With DEBUG on and no keys in the environment, the development keys that
`manage.py vapid_keys` (run by `make vapid`) wrote to `.vapid/` are used. Without keys, push is
off: reminders still show in the app and in the calendar feed.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .env import envbool, envlist, envpositive

_BASE_DIR = Path(__file__).resolve().parent.parent


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


_DEBUG = envbool("DEBUG", False)

#: Where `manage.py vapid_keys` writes development keys (git-ignored).
VAPID_DEV_DIR = Path(os.environ.get("VAPID_DEV_DIR") or _BASE_DIR / ".vapid")
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "").strip().replace("\\n", "\n")
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "").strip()
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "").strip()
if _DEBUG and not VAPID_PRIVATE_KEY:
    VAPID_PRIVATE_KEY = _read(VAPID_DEV_DIR / "private_key.pem")
    VAPID_PUBLIC_KEY = VAPID_PUBLIC_KEY or _read(VAPID_DEV_DIR / "public_key.txt")
    VAPID_SUBJECT = VAPID_SUBJECT or "mailto:developer@localhost"
if VAPID_PRIVATE_KEY and not VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured(
        "Set VAPID_SUBJECT to a contact for the push services: mailto:you@example.com or "
        "https://your.site"
    )

#: Loopback and plain-http endpoints (the test suite's local push receiver). Not read from the
#: environment: only project/settings_test.py turns it on; development has DEBUG for that.
PUSH_TEST_LOCAL_ENDPOINTS = False
#: Hosts push endpoints may be on ("*.example.com" for a suffix); empty: any public host.
#: The browsers' push services: fcm.googleapis.com,updates.push.services.mozilla.com,
#: *.notify.windows.com,web.push.apple.com
PUSH_ALLOWED_HOSTS = envlist("PUSH_ALLOWED_HOSTS", "")
#: Seconds to wait for a push service to accept the connection.
PUSH_CONNECT_TIMEOUT_SECONDS = envpositive("PUSH_CONNECT_TIMEOUT_SECONDS", 3)
#: Seconds one push request may take in all (connect, TLS, send, answer); after it the attempt
#: is a temporary failure. The test notification waits at most this long too.
PUSH_TIMEOUT_SECONDS = envpositive("PUSH_TIMEOUT_SECONDS", 5)
#: Devices one worker sends to at the same time.
PUSH_THREADS = int(envpositive("PUSH_THREADS", 16))
#: Requests one worker has open at once to one push service (host and port), so a service
#: that hangs holds at most this many of the PUSH_THREADS.
PUSH_HOST_CONCURRENCY = int(envpositive("PUSH_HOST_CONCURRENCY", 8))
#: Requests one worker has open at once for one person (all their devices together).
PUSH_PERSON_CONCURRENCY = int(envpositive("PUSH_PERSON_CONCURRENCY", 4))
#: A device whose push service timed out is not tried again for this long (its reminders are
#: retried after it).
PUSH_SLOW_DEVICE_BACKOFF_SECONDS = envpositive("PUSH_SLOW_DEVICE_BACKOFF_SECONDS", 300)
#: Devices (browsers with notifications on) one account may have.
PUSH_MAX_DEVICES = int(envpositive("PUSH_MAX_DEVICES", 10))
#: How long a push service keeps a reminder for a phone that is offline (seconds).
PUSH_REMINDER_TTL_SECONDS = int(envpositive("PUSH_REMINDER_TTL_SECONDS", 15 * 60))

#: Occurrences one worker claims at once.
REMINDERS_BATCH_SIZE = int(envpositive("REMINDERS_BATCH_SIZE", 200))
#: How long a claim lasts; after it another worker may take the occurrence.
REMINDERS_LEASE_SECONDS = envpositive("REMINDERS_LEASE_SECONDS", 60)
#: After downtime, the newest due time is still sent if it is at most this old.
REMINDERS_CATCH_UP_GRACE_SECONDS = envpositive("REMINDERS_CATCH_UP_GRACE_SECONDS", 10 * 60)
#: Seconds an occurrence's pushes may wait for a free slot in one pass; those not started by
#: then are retried later, so one person's many devices never hold a pass up.
REMINDERS_OCCURRENCE_DEADLINE_SECONDS = envpositive("REMINDERS_OCCURRENCE_DEADLINE_SECONDS", 20)
#: Sending rounds per occurrence before it is recorded as failed.
REMINDERS_MAX_ATTEMPTS = int(envpositive("REMINDERS_MAX_ATTEMPTS", 5))
#: The first retry waits this long, doubling each time (a Retry-After answer can ask for more).
REMINDERS_RETRY_BASE_SECONDS = envpositive("REMINDERS_RETRY_BASE_SECONDS", 30)
#: How long an idle worker waits before looking again.
REMINDERS_IDLE_SECONDS = envpositive("REMINDERS_IDLE_SECONDS", 2)
