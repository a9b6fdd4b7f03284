"""Each public page stays light on a phone: at most 60 KB over the wire, first visit.

A page's weight here is its HTML compressed with gzip plus every stylesheet and script it
references, each compressed as whitenoise serves them (gzip, level 9). Images are left out:
they load lazily and have their own limits (routines/content/images.py).
"""

from __future__ import annotations

import gzip
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from routines.content.models import Evidence, Purpose, Side

from .factories import (
    BULK_STEPS,
    make_article,
    make_disclaimer,
    make_routine,
    make_sign,
    make_source,
    make_triage_level,
)

pytestmark = pytest.mark.django_db

LIMIT = 60 * 1024

LONG_INSTRUCTION = (
    "Stand facing a wall with your hands on it at shoulder height. Step the cramped leg back, "
    "keep the heel on the floor and the knee straight, and lean in slowly until you feel a "
    "stretch along the back of the calf. Breathe out as you lean. Never bounce, and ease off "
    "straight away if the pain turns sharp."
)


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        rel = (found.get("rel") or "").lower().split()
        if tag == "link" and "stylesheet" in rel and found.get("href"):
            self.urls.append(found["href"])
        elif tag == "script" and found.get("src"):
            self.urls.append(found["src"])


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def asset_sizes(html: str) -> dict[str, int]:
    """Compressed size of each CSS and JS file the page references."""
    parser = _Assets()
    parser.feed(html)
    sizes = {}
    for url in parser.urls:
        path = urlsplit(url).path
        assert path.startswith(settings.STATIC_URL), f"{url} is not served by us"
        found = finders.find(path.removeprefix(settings.STATIC_URL))
        assert found, f"{url} is referenced but not found"
        with open(found, "rb") as file:
            sizes[url] = gzipped(file.read())
    return sizes


def make_content() -> dict[str, str]:
    """Content as long as the real library's: 10 routines of 12 steps, a Learn page of 8
    claims, the full safety triage and the disclaimers. Returns the URLs to weigh."""
    sources = [
        make_source(f"A published review of leg cramps, number {n}", url=f"https://example.org/{n}")
        for n in range(6)
    ]
    routines = [
        make_routine(
            f"Calf cramp relief, version {n}",
            summary="Stretch the calf with a towel, then rub it until the muscle lets go.",
            purpose=Purpose.RELIEF if n % 2 else Purpose.PREVENTION,
            situations=["cramp-now"] if n % 2 else ["bedtime", "desk"],
            areas=["calf", "hamstring"],
            safety_notes="Stop if the pain gets sharper.\nSkip this if the leg is swollen.",
            evidence=Evidence.MIXED,
            evidence_note="Guidance agrees on stretching; the trials are small.",
            sources=sources[:3],
            steps=[
                {
                    "title": f"Lean into the wall, part {s + 1}",
                    "instruction": LONG_INSTRUCTION,
                    **BULK_STEPS[s],
                }
                for s in range(12)
            ],
            order=n,
        )
        for n in range(10)
    ]
    article = make_article(
        "What causes leg cramps",
        summary="What is known about why muscles cramp, and how sure anyone is.",
        intro="Most cramps have no clear cause. Some are linked to age, exercise or medicines.",
        claims=[
            {
                "statement": f"Claim number {n + 1} about what makes cramps more likely",
                "explanation": LONG_INSTRUCTION + "\n\n" + LONG_INSTRUCTION,
                "evidence": Evidence.MIXED,
                "sources": sources[: 1 + n % 3],
            }
            for n in range(8)
        ],
    )
    for n in range(8):
        make_article(f"Learn topic {n}", summary="A short summary of what this page covers.")
    for order, title in enumerate(["Call now", "Get seen today", "See a doctor soon"]):
        level = make_triage_level(title, action=LONG_INSTRUCTION[:150], order=order)
        for n in range(5):
            make_sign(
                level,
                f"{title}: warning sign {n}, described in a full sentence.",
                detail=LONG_INSTRUCTION[:120],
                sources=sources[:2],
            )
    for n in range(11):
        make_disclaimer(f"Disclaimer {n}", LONG_INSTRUCTION, sources=sources[:1])
    assert routines[0].steps.filter(side=Side.EACH).exists()
    return {
        "home": reverse("home"),
        "library": reverse("routine_list"),
        "routine": routines[1].get_absolute_url(),
        "learn": article.get_absolute_url(),
        "help": reverse("get_help"),
        "about": reverse("about"),
    }


def test_every_page_is_at_most_60_kb_compressed(client: Client) -> None:
    urls = make_content()
    report = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assets = asset_sizes(html)
        report[name] = (gzipped(response.content), assets)
    summary = "; ".join(
        f"{name}: HTML {html_size} B + assets {sum(assets.values())} B {assets}"
        for name, (html_size, assets) in report.items()
    )
    for name, (html_size, assets) in report.items():
        total = html_size + sum(assets.values())
        assert total <= LIMIT, f"{name} weighs {total} B, over {LIMIT} B. {summary}"


def test_pages_reference_their_stylesheet_and_scripts(client: Client) -> None:
    # Guards the weighing above: a page that lost its CSS would look light.
    html = client.get(reverse("home")).content.decode()
    assets = asset_sizes(html)
    assert any(url.endswith(".css") for url in assets), assets
    assert any(url.endswith(".js") for url in assets), assets
