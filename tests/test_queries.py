"""Every public page runs a fixed number of queries, however much content there is.

Each test renders a page for a guest with a little content, then with a lot (200 routines of
12 steps, a long Learn page, many safety signs), and checks the two counts are equal and equal
to the pinned number. A new query per routine, per step or per claim fails here first; so
does an extra query per page, which is why the numbers are exact rather than upper bounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from routines.content.models import LearnArticle, Routine

from .factories import (
    make_article,
    make_claim,
    make_disclaimer,
    make_many_routines,
    make_sign,
    make_source,
    make_triage_level,
)

pytestmark = pytest.mark.django_db

SMALL = 5
LARGE = 200


@dataclass
class Content:
    routine: Routine
    article: LearnArticle


def grow_to(routines: int, content: Content | None = None) -> Content:
    """Add routines (and claims, signs, disclaimers in proportion) up to `routines`."""
    have = Routine.objects.count()
    made = make_many_routines(routines - have, start=have)
    if content is None:
        content = Content(routine=made[0], article=make_article("Causes"))
    sources = [make_source() for _ in range(3)]
    level = make_triage_level(order=routines)
    for n in range(routines // 5):
        make_claim(content.article, sources=sources[: 1 + n % 3])
        make_sign(level, f"Sign {routines}-{n}", sources=sources[: n % 3])
        make_disclaimer(f"Disclaimer {routines}-{n}", sources=sources[: n % 2])
    return content


def count_queries(client: Client, url: str, **extra: str) -> tuple[int, list[str]]:
    """Queries for one request that renders the page afresh (nothing from the page cache)."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, url
    return len(captured), [q["sql"] for q in captured.captured_queries]


PAGES: dict[str, tuple[Callable[[Content], str], dict[str, str], int]] = {
    # relief routines + their areas + situations, all areas, prevention + areas + situations
    "home": (lambda c: reverse("home"), {}, 7),
    # situations, areas (the filter choices), routines + areas + situations
    "library": (lambda c: reverse("routine_list"), {}, 5),
    # as above, plus one lookup per filter value
    "library filtered": (
        lambda c: reverse("routine_list") + "?situation=bedtime&area=calf",
        {},
        7,
    ),
    # the results only: the area lookup, routines + areas + situations
    "library htmx": (
        lambda c: reverse("routine_list") + "?area=calf",
        {"HTTP_HX_REQUEST": "true"},
        4,
    ),
    # routine (+ cover), areas, situations, sources, steps (+ images)
    "routine page": (lambda c: c.routine.get_absolute_url(), {}, 5),
    # published articles
    "learn list": (lambda c: reverse("learn_list"), {}, 1),
    # article, claims, their sources
    "learn page": (lambda c: c.article.get_absolute_url(), {}, 3),
    # levels, signs, their sources
    "help": (lambda c: reverse("get_help"), {}, 3),
    # disclaimers, their sources
    "about": (lambda c: reverse("about"), {}, 2),
}


@pytest.mark.parametrize(("url_for", "extra", "expected"), PAGES.values(), ids=PAGES.keys())
def test_page_runs_a_fixed_number_of_queries(
    client: Client,
    url_for: Callable[[Content], str],
    extra: dict[str, str],
    expected: int,
) -> None:
    content = grow_to(SMALL)
    small, _ = count_queries(client, url_for(content), **extra)
    grow_to(LARGE, content)
    assert Routine.objects.published().count() == LARGE
    large, large_sql = count_queries(client, url_for(content), **extra)

    assert small == large, "\n".join(["queries grow with content:", *large_sql])
    assert large == expected, "\n".join([f"{large} queries, expected {expected}:", *large_sql])


def test_large_library_really_lists_every_routine(client: Client) -> None:
    # Guards the test above: the big page must show all 200 routines, not an empty list.
    grow_to(LARGE)
    html = client.get(reverse("routine_list")).content.decode()
    assert html.count('href="/routines/bulk-routine-') == LARGE


@pytest.mark.parametrize(("url_for", "extra", "expected"), PAGES.values(), ids=PAGES.keys())
def test_a_page_served_again_runs_no_queries(
    client: Client,
    url_for: Callable[[Content], str],
    extra: dict[str, str],
    expected: int,
) -> None:
    """A guest's second visit comes from the page cache: no database work at all."""
    content = grow_to(SMALL)
    url = url_for(content)
    first = client.get(url, **extra)
    with CaptureQueriesContext(connection) as captured:
        second = client.get(url, **extra)
    assert len(captured) == 0, [q["sql"] for q in captured.captured_queries]
    assert second.status_code == first.status_code == 200
    assert second.content.decode().count("<li") == first.content.decode().count("<li")
