"""A clear 503 while the database is unreachable, instead of a 500 with a stack trace.

When PostgreSQL restarts (or SQLite stays locked past its busy timeout), queries raise
`django.db.OperationalError` or `InterfaceError`. Those are turned into a 503 Service
Unavailable with `Retry-After`: the readable page of templates/503.html, or a small JSON
object for the player script (which keeps a control and sends it again on any 5xx). Nothing
else is caught: a programming error (a missing table, a bad query) stays a 500.

The outage is logged once per process when it starts and once when a request gets through
again, not once per request. Recovery needs nothing: Django closes a connection that raised
at the end of the request, and `CONN_HEALTH_CHECKS` checks a kept connection before reuse.

Two ways in, because errors come from two places:
- `DatabaseUnavailableMiddleware.process_exception`: a view (or the session and user it loads
  lazily) raised;
- `server_error` (the project's `handler500`): a middleware raised, such as the session
  middleware saving the session after the view.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.defaults import server_error as default_server_error

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait before trying again (a PostgreSQL restart takes ~2 s).
RETRY_AFTER_SECONDS = 5
#: SQLite errors that are about reaching the file, not about the query.
SQLITE_OUTAGES = frozenset(
    {"SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL"}
)
#: PostgreSQL SQLSTATE classes of a lost or refused connection: 08 connection exception,
#: 53 insufficient resources, 57 operator intervention (shutdown, restart), 58 system error.
POSTGRES_OUTAGE_CLASSES = frozenset({"08", "53", "57", "58"})

_state = threading.local()
_down_lock = threading.Lock()
_down = False


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached now (rather than a bad query)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.Error):
        return getattr(cause, "sqlite_errorname", "") in SQLITE_OUTAGES
    sqlstate = getattr(cause, "sqlstate", None)
    # psycopg gives no SQLSTATE when it cannot connect or the server went away.
    return sqlstate is None or str(sqlstate)[:2] in POSTGRES_OUTAGE_CLASSES


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 for `exc`: JSON for the player script, the page for everyone else."""
    _note_down(request, exc)
    if "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse(
            {"error": "The service is briefly unavailable. Trying again shortly."}, status=503
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged once per outage by _note_down, not once per request by django.request.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


def _note_down(request: HttpRequest, exc: BaseException) -> None:
    global _down
    with _down_lock:
        first, _down = not _down, True
    _state.failed = True
    if first:
        logger.warning(
            "Database unavailable (%s: %s); answering 503 until it is back (first seen on %s)",
            type(exc).__name__,
            str(exc).strip().splitlines()[0] if str(exc).strip() else "no message",
            request.path,
        )


def _note_request_done() -> None:
    """After a request that met no outage: if one was going on and this request reached the
    database (a cached guest page may not), it is over."""
    global _down
    if getattr(_state, "failed", False):
        _state.failed = False
        return
    if _down and connection.connection is not None:
        with _down_lock:
            was, _down = _down, False
        if was:
            logger.warning("Database reachable again; serving normally")


class DatabaseUnavailableMiddleware:
    """Turns a lost database connection in a view into a 503 (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _state.failed = False
        response = self.get_response(request)
        _note_request_done()
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if is_outage(exc):
            return unavailable_response(request, exc)
        return None


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: the 503 for an outage met outside a view, Django's 500 for the rest."""
    exc = sys.exc_info()[1]
    if exc is not None and is_outage(exc):
        return unavailable_response(request, exc)
    return default_server_error(request, template_name)
