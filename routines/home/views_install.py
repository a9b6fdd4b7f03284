"""Installing Unknot and using it offline: the web app manifest, the service worker at the
site's root, the offline page and the offline player (routines/home/offline.py)."""

from __future__ import annotations

import hashlib
import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from routines.home import offline

#: The offline player's buttons, as on a run's page (Next becomes Skip once the script runs).
OFFLINE_CONTROLS = [
    ("back", "Back"),
    ("pause", "Pause"),
    ("resume", "Resume"),
    ("done", "Done"),
    ("next", "Next"),
]


@require_safe
@cache_control(public=True, max_age=3600)
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest, at a stable address (its icons are hashed static files)."""
    body = json.dumps(offline.manifest(), indent=1)
    return HttpResponse(body, content_type="application/manifest+json")


def _worker_etag(request: HttpRequest) -> str:
    return hashlib.blake2b(offline.service_worker_script(), digest_size=12).hexdigest()


@require_safe
@condition(etag_func=_worker_etag)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker at the site root, so that its scope is the whole site.

    Browsers check it for updates on navigation; `no-cache` makes every check reach us (a 304
    when unchanged).
    """
    response = HttpResponse(
        offline.service_worker_script(), content_type="application/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def offline_page(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a page it has not saved, with no connection."""
    return render(request, "offline/offline.html")


@require_safe
def offline_run(request: HttpRequest) -> HttpResponse:
    """The player for a routine started with no connection (static/js/offline-run.js reads
    which routine from the address): every published routine's phases are in the page."""
    context = {"routines": offline.routine_payloads(), "controls": OFFLINE_CONTROLS}
    return render(request, "offline/run.html", context)
