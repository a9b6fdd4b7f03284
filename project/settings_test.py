"""Settings for the test suite: production settings with fast hashing and in-memory email.

DEBUG stays off, so tests see what production serves (and no .env is read, see below); HTTPS
redirects and secure cookies are off because the test client and the browser tests speak plain
HTTP to 127.0.0.1.
"""

import os

# No settings file: a developer's .env (DEBUG=1, ...) must not change what the tests see. Set in
# the environment, so the processes the tests start (workers, manage.py) read none either.
os.environ["ENV_FILE"] = os.devnull
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)

from .settings import *  # noqa: F403
from .settings import BASE_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
MEDIA_ROOT = BASE_DIR / ".test-media"

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from .settings import DATABASES  # noqa: E402

PUSH_TEST_LOCAL_ENDPOINTS = True  # the local push receiver: plain HTTP on 127.0.0.1
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # tests/test_worker.py starts worker processes that share the test database: a file, in
    # memory-backed /dev/shm where there is one, named per run so parallel runs do not collide.
    _dir = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    DATABASES["default"]["TEST"] = {"NAME": str(_dir / f"unknot-test-{os.getpid()}.sqlite3")}
