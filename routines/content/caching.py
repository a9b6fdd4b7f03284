"""Rendered page content, cached until the content changes.

Public pages show the same content to every guest; only a few bits differ per request (the CSRF
token, the account links). Views render their `body` partial once, keep the HTML in the cache
under a key that includes the *content version*, and put it into the page per request.

Any save, delete or many-to-many change of a content model gives a new content version (signals
in `apps.py`; bulk updates call `bump_content_version()` themselves), so this process serves the
edit at once. With several processes and a per-process cache, the others see it within
`CONTENT_CACHE_SECONDS`. Staff always see fresh pages.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

VERSION_KEY = "unknot:content-version"
#: Context entries the page itself (not the body) needs; cached alongside the body.
PAGE_KEYS = ("title", "description", "page")


def content_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return version


def bump_content_version(*args: Any, **kwargs: Any) -> None:
    """Start a new content version once the current transaction commits.

    Usable directly as a signal receiver. After the commit, so that no request can cache the
    old content under the new version in between.
    """
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))


def _key(name: str, parts: tuple[str, ...]) -> str:
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f"unknot:page:{name}:{content_version()}:{digest}"


def render_cached(
    request: HttpRequest,
    template: str,
    build: Callable[[], Mapping[str, Any]],
    *,
    key: tuple[str, ...] = (),
    partial: str = "body",
    also: tuple[str, ...] = (),
    partial_only: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> HttpResponse:
    """Render `template` with its `partial` taken from the cache, built by `build()` on a miss.

    `build()` returns the partial's context; it may raise Http404, and nothing is cached then.
    Its `status` entry (default 200) and PAGE_KEYS entries are cached with the HTML. The partial
    must not show anything specific to the request (CSRF token, user, messages); `extra` is
    context for the page around it, per request (never cached in the body). With
    `partial_only` (an htmx request) the response is the partial alone; otherwise the whole
    `template`, which places `body` in the page. The partials named in `also` are rendered
    with the same context and cached with it, each placed in the page by its own name (so
    that per-request parts can sit between them).
    """
    if request.user.is_staff:
        return _render(
            request,
            template,
            _build_fragment(request, template, build, partial, also),
            partial_only,
            extra,
        )
    cache_key = _key(f"{template}#{'+'.join((partial, *also))}", key)
    # A guest with no pending messages and no per-request extras gets exactly the same page as
    # every other guest: keep the whole page, not only its body.
    whole_page = (
        not partial_only
        and not extra
        and not request.user.is_authenticated
        and not get_messages(request)
    )
    if whole_page and (page := cache.get(f"{cache_key}:page")) is not None:
        return HttpResponse(page["content"], status=page["status"])
    fragment = cache.get(cache_key)
    if fragment is None:
        fragment = _build_fragment(request, template, build, partial, also)
        cache.set(cache_key, fragment, settings.CONTENT_CACHE_SECONDS)
    response = _render(request, template, fragment, partial_only, extra)
    # A page that carries a CSRF token (a form outside the body) is this visitor's alone.
    if whole_page and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        page = {"content": response.content, "status": response.status_code}
        cache.set(f"{cache_key}:page", page, settings.CONTENT_CACHE_SECONDS)
    return response


def _build_fragment(
    request: HttpRequest,
    template: str,
    build: Callable[[], Mapping[str, Any]],
    partial: str,
    also: tuple[str, ...] = (),
) -> dict[str, Any]:
    context = dict(build())
    fragment = {name: context[name] for name in PAGE_KEYS if name in context}
    fragment["status"] = context.get("status", 200)
    fragment["html"] = render_to_string(f"{template}#{partial}", context, request)
    fragment["also"] = {
        name: render_to_string(f"{template}#{name}", context, request) for name in also
    }
    return fragment


def _render(
    request: HttpRequest,
    template: str,
    fragment: dict[str, Any],
    partial_only: bool,
    extra: Mapping[str, Any] | None = None,
) -> HttpResponse:
    if partial_only:
        return HttpResponse(fragment["html"], status=fragment["status"])
    page = {name: fragment[name] for name in PAGE_KEYS if name in fragment}
    page.update(extra or {})
    page["body"] = mark_safe(fragment["html"])  # our own template's output
    for name, html in fragment.get("also", {}).items():
        page[name] = mark_safe(html)
    return render(request, template, page, status=fragment["status"])
