"""Django settings for Unknot.

Every setting that differs between a laptop and production comes from the environment.
The defaults are safe for production (DEBUG off, secure cookies, HSTS). For local development
`make` writes a git-ignored `.env` once (DEBUG=1 and a random SECRET_KEY), read here at start-up;
real environment variables win over it, and production has no `.env` (see project/env.py).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .env import envbool, envint, envlist, read_env_file

BASE_DIR = Path(__file__).resolve().parent.parent
read_env_file(BASE_DIR)


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set SECRET_KEY in the environment (or DEBUG=1 for development; `make run` writes "
            "both to .env)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # First: its registration/ templates (log in, password change) replace the admin's.
    "routines.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "adminsortable2",
    "axes",
    "django_ratelimit",
    # Unknot, one app per capability (README: "Layout"); each depends only on those above it.
    "routines.content",
    "routines.player",
    "routines.reminders",
    "routines.diary",
    "routines.home",
    "routines.privacy",
]

MIDDLEWARE = [
    # First: security headers on every response, the early errors below included.
    "project.middleware.SecurityHeadersMiddleware",
    # Oversized bodies and NUL bytes are refused before anything reads them (project/middleware.py).
    "project.middleware.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A lost database connection: a 503 page with Retry-After, logged once (project/outage.py).
    "project.outage.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a locked-out log-in into the 429 page (routines/accounts/throttle.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# How long a SQLite write waits for another to finish before "database is locked" (a 500).
# Write transactions are kept short (milliseconds), so this is only reached when the machine is
# far beyond what SQLite should serve; keep it below the web server's worker timeout (30 s).
SQLITE_BUSY_TIMEOUT_SECONDS = envint("SQLITE_BUSY_TIMEOUT_SECONDS", 20)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the reminder worker write while web requests read; IMMEDIATE transactions
    # avoid "database is locked" upgrades from read to write locks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000};"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Per-process memory cache: rendered public pages (routines/content/caching.py). Other
# processes see a content edit within CONTENT_CACHE_SECONDS; the process that saved it, at once.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
    # The throttles' counters (django-ratelimit), shared by every process through the database:
    # a table made by a migration (routines/accounts/migrations), with an increment that locks
    # the counter's row (routines/accounts/throttle_cache.py). Expired counters are deleted by
    # the clean-up (CLEANUP_TASKS); MAX_ENTRIES only matters to a plain `set` (unused).
    "throttle": {
        "BACKEND": "routines.accounts.throttle_cache.CounterDatabaseCache",
        "LOCATION": "unknot_throttle",
        "OPTIONS": {"MAX_ENTRIES": 200_000, "CULL_FREQUENCY": 10},
    },
    # Rendered parts of signed-in pages that many people share, such as an unbound form with
    # given values (`{% cache ... using="fragments" %}` in the templates), per process. Their
    # keys name everything they show, so an entry is never stale; a few hundred at most.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
    # The rendered parts of a person's diary pages (routines/diary/freshness.py), per process,
    # each under a key naming what it shows (a version of the rows it shows, read from the
    # database on every request, or those rows themselves), so never stale; and the diary
    # list's items and the history's lines of the last page made (routines/diary/rows.py).
    # A diary list page is about 30 KB, its items as much: MAX_ENTRIES bounds the memory.
    # Values are kept as they are, not pickled copies (routines/diary/cache.py).
    "diary": {
        "BACKEND": "routines.diary.cache.SharedLocMemCache",
        "LOCATION": "diary",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 300},
    },
    # Built calendar feeds (routines/reminders/calendar.py), per process, under a fingerprint of
    # everything a feed shows: a calendar app polling an unchanged feed costs one query. A feed
    # is at most about 220 KB (CALENDAR_FEED_MAX_EVENTS), so few entries bound the memory.
    "feeds": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "feeds",
        "TIMEOUT": 6 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 50},
    },
}
CONTENT_CACHE_SECONDS = envint("CONTENT_CACHE_SECONDS", 60)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a log-in (site and admin) while its username and address are locked out.
    "axes.backends.AxesStandaloneBackend",
    # Django's backend, loading the Profile with the user (one query); Django's own stays listed
    # so that sessions made before keep working.
    "routines.accounts.backends.ProfileModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get("STATICFILES_BACKEND", "project.storage.StaticFilesStorage")
    },
}
# Upload limits: the image pipeline enforces its own limits (routines/content/images.py); these stop
# anything bigger before it reaches it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A request whose Content-Length is above this gets a 413 before its body is read (and one
# without a length, chunked, a 411). The admin takes photos up to routines/content/images.py's
# MAX_BYTES (10 MB) plus the form around them. Set the proxy in front a little above the admin's
# limit (nginx: `client_max_body_size 12m;`).
REQUEST_BODY_MAX_BYTES = envint("REQUEST_BODY_MAX_BYTES", 3 * 1_048_576)
ADMIN_REQUEST_BODY_MAX_BYTES = envint("ADMIN_REQUEST_BODY_MAX_BYTES", 11 * 1_048_576)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Unknot <no-reply@unknot.invalid>")
if os.environ.get("EMAIL_HOST"):
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)

# Limits and throttles: what one person (or one address) may do, so nobody can crowd out the
# others. Each limit answers with a message that says what happened and when to try again.
#: Reminders one account may have; the form refuses one more.
REMINDERS_MAX_PER_ACCOUNT = envint("REMINDERS_MAX_PER_ACCOUNT", 50)
#: Routines a guest may start per browser session in an hour, and from one address in an hour.
GUEST_RUNS_PER_SESSION_PER_HOUR = envint("GUEST_RUNS_PER_SESSION_PER_HOUR", 20)
GUEST_RUNS_PER_IP_PER_HOUR = envint("GUEST_RUNS_PER_IP_PER_HOUR", 30)
#: Routines a signed-in person may start in an hour (generous: nobody does 120 on purpose).
#: The cramp diary: entries one account keeps (three years of daily cramps fit), and cramps
#: logged by guests from one address in an hour (a guest's session keeps 30).
DIARY_MAX_ENTRIES_PER_ACCOUNT = envint("DIARY_MAX_ENTRIES_PER_ACCOUNT", 5000)
GUEST_CRAMPS_PER_IP_PER_HOUR = envint("GUEST_CRAMPS_PER_IP_PER_HOUR", 60)
RUNS_PER_ACCOUNT_PER_HOUR = envint("RUNS_PER_ACCOUNT_PER_HOUR", 120)
#: Rates of the other throttled actions (django-ratelimit's "count/period", period s, m, h, d).
SIGNUP_RATE = os.environ.get("SIGNUP_RATE", "10/h")  # per address
PASSWORD_RESET_RATE = os.environ.get("PASSWORD_RESET_RATE", "10/h")  # per address
PASSWORD_RESET_EMAIL_RATE = os.environ.get("PASSWORD_RESET_EMAIL_RATE", "3/h")  # per email
PUSH_SUBSCRIBE_RATE = os.environ.get("PUSH_SUBSCRIBE_RATE", "30/h")  # per account
PUSH_TEST_RATE = os.environ.get("PUSH_TEST_RATE", "10/10m")  # per account
CALENDAR_FEED_RATE = os.environ.get("CALENDAR_FEED_RATE", "60/h")  # per calendar address
#: Events (times of day, each repeating) one calendar feed holds at most: whole reminders,
#: oldest first; a note in the feed names those left out. Bounds the cost of building a feed.
CALENDAR_FEED_MAX_EVENTS = envint("CALENDAR_FEED_MAX_EVENTS", 500)
#: Behind N reverse proxies that each append to X-Forwarded-For, the client's address is the
#: N-th from the right; 0 (direct) uses the connection's address. Keys every throttle.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
RATELIMIT_USE_CACHE = "throttle"
RATELIMIT_IP_META_KEY = "routines.accounts.throttle.client_ip"
# django-ratelimit warns (W001) about any cache it does not list by name. Ours is a
# DatabaseCache whose increment is atomic (a row lock: see throttle_cache.py, and
# tests/test_throttle_processes.py for two processes counting together), so the warning is
# silenced; routines/accounts/checks.py errors instead if the throttle cache is changed to one
# that is not shared or not atomic (the real problem that W001 and E003 are about).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
# Log-in lock-out (django-axes), for the site's and the admin's log-in: after
# AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is refused
# for AXES_COOLOFF_MINUTES (counted again from each further try); other addresses and other
# usernames are not affected. Attempts are kept in the database, shared by every process.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_MINUTES = envint("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = dt.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # no table of every successful log-in, growing forever
AXES_VERBOSE = False  # no start-up banner in every command's output; lock-outs are still logged
AXES_LOCKOUT_CALLABLE = "routines.accounts.throttle.locked_out"
AXES_CLIENT_IP_CALLABLE = "routines.accounts.throttle.client_ip"
#: The reminder worker's clean-up (and `manage.py cleanup`): how often, what it runs (each a
#: dotted path to a function of `now` returning the rows removed), guest runs' age.
CLEANUP_EVERY_SECONDS = envint("CLEANUP_EVERY_SECONDS", 3600)
CLEANUP_BATCH_SIZE = envint("CLEANUP_BATCH_SIZE", 500)
GUEST_RUN_MAX_AGE_DAYS = envint("GUEST_RUN_MAX_AGE_DAYS", 7)
CLEANUP_TASKS = [
    "routines.accounts.cleanup.expired_sessions",
    "routines.accounts.cleanup.expired_counts",
    "routines.player.cleanup.old_guest_runs",
    "routines.diary.cleanup.old_guest_entries",
]

# Security. Production defaults; DEBUG (development) relaxes what needs HTTPS.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
if envbool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "routines.home.views.csrf_failure"
SESSION_COOKIE_HTTPONLY = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# One handler, on the root logger, so each line is printed once. Django's own "django" logger
# has a console handler too, with DEBUG on, and propagates to the root: naming it here without
# handlers removes that one (its level stays Django's INFO). Naming it also resets the loggers
# under it, so runserver's request lines ("django.server") get Django's own set-up back here.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}

# Web Push (VAPID keys) and the reminder worker: see project/settings_push.py.
from .settings_push import *  # noqa: E402, F403
