"""Throttles: how often one address or one account may do something costly, and the answer
when it has done it too often (429 Too Many Requests, with Retry-After and a readable page,
an htmx fragment or JSON).

Counting is django-ratelimit's, in the "throttle" cache (a database table shared by every
process: throttle_cache.py). Log-in lock-out is django-axes' (settings "AXES_*"), which answers
through `locked_out` below.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

View = Callable[..., HttpResponse]


def client_ip(request: HttpRequest) -> str:
    """The client's address: the connection's, or behind TRUSTED_PROXY_COUNT proxies the one
    the outermost trusted proxy saw (X-Forwarded-For, counted from the right, so a value the
    client made up on the left is never used)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR") or "0.0.0.0")


def minutes_words(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


@dataclass(frozen=True)
class Link:
    """A way on that the 429 answer offers while the person waits."""

    href: str
    text: str


def too_many(
    request: HttpRequest,
    message: str,
    retry_after: float,
    *,
    json: bool = False,
    meanwhile: Sequence[Link] = (),
    **links: bool,
) -> HttpResponse:
    """The 429 answer: a page, the page's message part for htmx (not boosted), or `{error}`
    for a script.
    `links`: `reset_link` (to reset the password), `sign_in_link` (to log in); `meanwhile`:
    what can be done without waiting (shown in the page and the htmx part alike)."""
    response: HttpResponse
    if json:
        response = JsonResponse({"error": message}, status=429)
    else:
        # A boosted request (a Start form) swaps in a whole page: it gets the page.
        htmx = getattr(request, "htmx", None)
        template = "429.html#message" if htmx and not htmx.boosted else "429.html"
        context = {"message": message, "meanwhile": meanwhile, **links}
        response = render(request, template, context, status=429)
    response["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


def _rate(value: str | int) -> str:
    """A rate setting: "count/period" as django-ratelimit reads it, or a number per hour."""
    return f"{value}/h" if isinstance(value, int) else value


@dataclass(frozen=True)
class Limit:
    """One throttle: `group` names the counter, `rate` the setting with its rate, `key` what
    is counted (django-ratelimit's keys: "ip", "user", "post:email", ...). `message` is shown
    with `{wait}` filled in ("12 minutes"); `applies` says which requests count (default: all)."""

    group: str
    rate: str
    key: str | Callable[[str, HttpRequest], str]
    message: str
    applies: Callable[[HttpRequest], bool] | None = None
    #: The 429 page offers to log in (signed-in people have more room).
    sign_in_link: bool = False

    def check(self, request: HttpRequest) -> float | None:
        """Count this request; None if it is within the limit, else the seconds to wait."""
        if self.applies is not None and not self.applies(request):
            return None
        rate = _rate(getattr(settings, self.rate))
        usage = get_usage(
            request, group=self.group, key=self.key, rate=rate, method=ALL, increment=True
        )
        if usage is None or not usage["should_limit"]:
            return None
        return float(usage["time_left"])


def over_limit(
    request: HttpRequest, *limits: Limit, json: bool = False, meanwhile: Sequence[Link] = ()
) -> HttpResponse | None:
    """Count the request against each limit in turn; the 429 answer of the first one it is
    over (offering `meanwhile`, see `too_many`), or None."""
    for limit in limits:
        wait = limit.check(request)
        if wait is not None:
            message = limit.message.format(wait=minutes_words(wait))
            return too_many(
                request,
                message,
                wait,
                json=json,
                meanwhile=meanwhile,
                sign_in_link=limit.sign_in_link,
            )
    return None


def throttle(*limits: Limit, json: bool = False) -> Callable[[View], View]:
    """Count each POST to the view against `limits`; over one, answer 429 instead."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                refused = over_limit(request, *limits, json=json)
                if refused is not None:
                    return refused
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def posted_email(group: str, request: HttpRequest) -> str:
    """A throttle key: the email address in the form, as one address however it is typed."""
    return request.POST.get("email", "").strip().lower()


def signed_in_user(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated)


def guest(request: HttpRequest) -> bool:
    return not request.user.is_authenticated


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a log-in while its username and address are locked out."""
    cool_off = settings.AXES_COOLOFF_TIME.total_seconds()
    message = (
        f"Too many wrong passwords for this username from your network. To keep the account "
        f"safe, logging in to it from here is paused: try again in {minutes_words(cool_off)} "
        "(each further try starts the wait again), or reset your password."
    )
    return too_many(request, message, cool_off, reset_link=True)
