"""The installable, offline app: the web app manifest and what the service worker precaches.

The service worker (static/sw.js, served at /sw.js by views_install.py) is sent with a first
line `const PRECACHE = {...};`: the version and the URLs below. Any change to them (a new
release's hashed static files, a content edit, a new sw.js) changes the script's bytes, so the
browser installs the new worker into a new cache while the old one keeps serving until the
person reloads ("Reload to update").
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.cache import cache
from django.template import engines
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import urlencode

from routines.content.caching import content_version
from routines.content.models import Purpose, Routine, SafetySign, Step, TriageLevel
from routines.player.machine import build_phases, progress_words

NAME = "Unknot"
SHORT_NAME = "Unknot"
DESCRIPTION = "Get through a leg cramp, and have fewer of them."
THEME_COLOUR = "#0f5e63"
BACKGROUND_COLOUR = "#f6f8f7"

#: The static files of the app itself (the admin's are not precached).
OWN_STATIC = ("css/", "js/", "img/")
#: Static files served under other names, or not wanted offline.
NOT_PRECACHED = {"sw.js", "manifest.webmanifest"}
#: The service worker's source, in static/ (served at /sw.js, never under /static/).
SERVICE_WORKER = "sw.js"

_SRC = re.compile(r'src="([^"]+)"')


def manifest() -> dict[str, Any]:
    """The web app manifest (served at /manifest.webmanifest)."""

    def icon(name: str, size: int, purpose: str = "any") -> dict[str, str]:
        return {
            "src": static(f"img/{name}"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": purpose,
        }

    home = reverse("home")
    return {
        "id": home,
        "name": NAME,
        "short_name": SHORT_NAME,
        "description": DESCRIPTION,
        "lang": "en-GB",
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": BACKGROUND_COLOUR,
        "theme_color": THEME_COLOUR,
        "icons": [
            icon("icon-192.png", 192),
            icon("icon-512.png", 512),
            icon("icon-maskable-192.png", 192, "maskable"),
            icon("icon-maskable-512.png", 512, "maskable"),
            {"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
        "shortcuts": [
            {
                "name": "Cramp now",
                "short_name": "Cramp now",
                "description": "Relief routines for a cramp happening now",
                "url": f"{home}#cramp-now-title",
                "icons": [icon("icon-192.png", 192)],
            },
            {
                "name": "+1 glass",
                "short_name": "+1 glass",
                "description": "Log a glass of water",
                "url": reverse("hydration"),
                "icons": [icon("icon-192.png", 192)],
            },
        ],
    }


def static_names() -> list[str]:
    """The app's own static files: from the manifest of hashed names when there is one (the
    collected files in production), else from the finders (development, tests)."""
    storage = staticfiles_storage
    names: set[str] = set()
    if isinstance(storage, ManifestFilesMixin):  # empty in development, before collectstatic
        names = set(storage.hashed_files)
    if not names:
        names = {path for finder in finders.get_finders() for path, _ in finder.list([])}
    return sorted(n for n in names if n.startswith(OWN_STATIC) and n not in NOT_PRECACHED)


def htmx_urls() -> list[str]:
    """The htmx scripts every page loads, exactly as `{% htmx_script %}` writes them."""
    html = engines["django"].from_string("{% load django_htmx %}{% htmx_script %}").render()
    return _SRC.findall(html)


def routine_payloads() -> dict[str, dict[str, Any]]:
    """Every published routine as the offline player needs it: its phases with the get-ready
    lead-in first (the player drops it when not chosen)."""
    routines = Routine.objects.published().order_by("slug")
    steps: dict[int, list[Step]] = {}
    for step in Step.objects.filter(routine__in=routines).select_related("image"):
        steps.setdefault(step.routine_id, []).append(step)
    payloads = {}
    for routine in routines:
        routine_steps = sorted(steps.get(routine.pk, []), key=lambda s: (s.order, s.pk))
        if not routine_steps:
            continue
        phases = build_phases(routine_steps, lead_in=True)
        payloads[routine.slug] = {
            "title": routine.title,
            "relief": routine.purpose == Purpose.RELIEF,
            "url": routine.get_absolute_url(),
            "phases": [phase.as_dict() for phase in phases],
            # "Step 2 of 7" for each phase, as the online player words it (rests and the
            # get-ready are not steps, so dropping the get-ready changes no other line).
            "progress": [progress_words(phases, index) for index in range(len(phases))],
        }
    return payloads


@dataclass(frozen=True)
class Precache:
    version: str
    #: Saved all or nothing: the install fails (and is tried again later) if one fails.
    urls: list[str]
    #: Uploaded pictures (media), saved where they can be: a missing one breaks nothing.
    pictures: list[str]
    static_url: str

    def script_line(self) -> bytes:
        data = {
            "version": self.version,
            "urls": self.urls,
            "pictures": self.pictures,
            "static": self.static_url,
        }
        return f"const PRECACHE = {json.dumps(data, separators=(',', ':'))};\n".encode()


def _service_worker_source() -> bytes:
    path = finders.find(SERVICE_WORKER)
    if path:
        with open(path, "rb") as file:
            return file.read()
    with staticfiles_storage.open(SERVICE_WORKER) as file:
        return file.read()


def _page_words() -> str:
    """The words the saved player page carries from code rather than the content: the
    summary's closing advice (player/after_note.html, the 10-minute rule). A release that
    rewords it is a new version, so phones do not keep the old words offline."""
    return render_to_string("player/after_note.html")


def _build_precache(source: bytes, words: str) -> Precache:
    payloads = routine_payloads()
    pages = [reverse("home"), reverse("routine_list"), reverse("get_help"), reverse("offline")]
    pages += [reverse("offline_run"), reverse("manifest")]
    # The red flags' outcomes, for each relief routine's safety check: what to do when one
    # applies is advice a person needs whether or not there is a connection.
    red_flags = list(
        SafetySign.objects.filter(level__stops_routine=True)
        .order_by("level__order", "order", "pk")
        .values_list("key", flat=True)
    )
    for slug, payload in payloads.items():
        pages.append(payload["url"])
        if payload["relief"]:
            check = reverse("safety_check", kwargs={"slug": slug})
            pages.append(check)
            pages += [f"{check}?{urlencode({'sign': key})}" for key in red_flags]
    assets = [static(name) for name in static_names()] + htmx_urls()
    urls = list(dict.fromkeys(pages + assets))
    pictures = sorted(_picture_urls(payloads))
    # The saved warning signs and outcomes change with any word of them (a new version).
    signs = list(
        SafetySign.objects.order_by("pk").values_list("key", "text", "detail", "level_id", "order")
    )
    signs += TriageLevel.objects.order_by("pk").values_list(
        "slug", "title", "action", "call_numbers", "stops_routine", "order"
    )
    digest = hashlib.blake2b(digest_size=10)
    for part in (source, json.dumps([urls, pictures, payloads, signs, words], default=str)):
        digest.update(part if isinstance(part, bytes) else part.encode())
    return Precache(
        version=digest.hexdigest(),
        urls=urls,
        pictures=pictures,
        static_url=settings.STATIC_URL,
    )


def _picture_urls(payloads: dict[str, dict[str, Any]]) -> set[str]:
    """The uploaded pictures the saved pages show: step pictures and routine covers."""
    urls = {p["image"]["url"] for r in payloads.values() for p in r["phases"] if p["image"]}
    covered = Routine.objects.published().filter(cover__isnull=False).select_related("cover")
    for routine in covered:
        cover = routine.cover
        assert cover is not None
        urls.add(cover.file.url)
        if cover.thumbnail:
            urls.add(cover.thumbnail.url)
    return urls


def precache(source: bytes | None = None) -> Precache:
    """What the service worker precaches, cached until the content or sw.js changes (the same
    in every process: it is computed from the database and the files, never from the cache)."""
    source = _service_worker_source() if source is None else source
    words = _page_words()
    digest = hashlib.blake2b(source + words.encode(), digest_size=8).hexdigest()
    key = f"unknot:precache:{content_version()}:{digest}"
    found = cache.get(key)
    if found is None:
        found = _build_precache(source, words)
        cache.set(key, found, 3600)
    return found


def service_worker_script() -> bytes:
    """/sw.js: the precache list, then static/sw.js."""
    source = _service_worker_source()
    return precache(source).script_line() + source
