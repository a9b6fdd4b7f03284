"""Two middlewares that sit in front of everything else (first in settings.MIDDLEWARE).

`SecurityHeadersMiddleware` is the outermost: every response leaves through it, including the
ones Django makes from an exception raised in an inner middleware (a bad Host header, a CSRF
failure, a 404, a 500), so each carries the same security headers.

`RequestGuardMiddleware` refuses, with a readable 4xx page and before anything reads the
body, a request that no view could handle safely: a body bigger than the limit
(`settings.REQUEST_BODY_MAX_BYTES`, or `ADMIN_REQUEST_BODY_MAX_BYTES` under /admin/ for image
uploads), a body without a length (chunked), and a NUL byte in the path, the query string or a
cookie (PostgreSQL cannot store text with NUL; SQLite can, so without this the two would
answer differently). NUL bytes in form fields get a form error from Django's own fields
(`ProhibitNullCharactersValidator`); `process_exception` answers 400 if one still reaches the
database.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

Handler = Callable[[HttpRequest], HttpResponse]

#: What the app uses from the Permissions-Policy features (screen wake lock in the player);
#: everything else it could be asked for is off. Names from the spec's feature registry that
#: Chromium recognises (an unknown name is a console error there). Notifications and
#: vibration are not Permissions-Policy features.
PERMISSIONS_POLICY = ", ".join(
    [
        "screen-wake-lock=(self)",
        "accelerometer=()",
        "camera=()",
        "display-capture=()",
        "geolocation=()",
        "gyroscope=()",
        "hid=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        "publickey-credentials-get=()",
        "serial=()",
        "usb=()",
        "xr-spatial-tracking=()",
    ]
)

NUL_MESSAGE = (
    "The address or a value sent with it contains a NUL character (an invisible control "
    "character, often from a bad copy and paste)."
)


class SecurityHeadersMiddleware:
    """Put the security headers on every response that does not already have them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        from csp.utils import build_policy

        self.policy = build_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The CSP middleware (inside) sets the policy with this request's nonce; responses made
        # before it ran (a refused request, a bad Host) get the policy without a nonce.
        if "Content-Security-Policy" not in response and self.policy:
            response["Content-Security-Policy"] = self.policy
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        response.headers.setdefault(
            "Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """The 400 page with `message`; an htmx request gets the message alone (a fragment)."""
    if request.headers.get("HX-Request") == "true":
        html = render_to_string("400.html#message", {"message": message})
    else:
        html = render_to_string("400.html", {"message": message}, request)
    return HttpResponse(html, status=status)


def _has_nul(text: str) -> bool:
    return "\x00" in text or b"\x00" in unquote_to_bytes(text)


class RequestGuardMiddleware:
    """Refuse oversized or length-less bodies and NUL bytes in the address, before any work."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self.check_body(request) or self.check_nul(request)
        if problem is not None:
            return refuse(request, *problem)
        return self.get_response(request)

    @staticmethod
    def body_limit(request: HttpRequest) -> int:
        if request.path_info.startswith("/admin/"):
            return int(settings.ADMIN_REQUEST_BODY_MAX_BYTES)
        return int(settings.REQUEST_BODY_MAX_BYTES)

    def check_body(self, request: HttpRequest) -> tuple[int, str] | None:
        meta = request.META
        length = meta.get("CONTENT_LENGTH") or ""
        if not length:
            if meta.get("HTTP_TRANSFER_ENCODING"):
                # Django reads only Content-Length bytes; a chunked body would be silently lost.
                return 411, "Send the request with a Content-Length header; chunked is refused."
            return None
        try:
            size = int(length)
        except ValueError:
            return 400, "The Content-Length header is not a number."
        limit = self.body_limit(request)
        if size > limit:
            shown = limit / 1_048_576
            return 413, f"The request is too large: the limit is {shown:.1f} MB."
        return None

    def check_nul(self, request: HttpRequest) -> tuple[int, str] | None:
        parts = [request.path_info, request.META.get("QUERY_STRING", "")]
        parts += request.COOKIES.values()
        if any(_has_nul(part) for part in parts):
            return 400, NUL_MESSAGE
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """PostgreSQL refuses text with NUL (psycopg raises DataError before sending it)."""
        if isinstance(exception, DataError | ValueError) and "NUL (0x00)" in str(exception):
            return refuse(request, 400, NUL_MESSAGE)
        return None
