"""Small plain functions that make content for tests and the benchmark.

Each takes the fields a test cares about and fills in the rest with plausible values, so a test
reads as the situation it sets up: `make_routine("Calf relief", purpose="relief",
situations=["cramp-now"], areas=["calf"], steps=[{"duration_seconds": 30}])`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.text import slugify

from routines.content.models import (
    BodyArea,
    Claim,
    Disclaimer,
    Evidence,
    LearnArticle,
    Purpose,
    Routine,
    SafetySign,
    Side,
    Situation,
    Source,
    Step,
    StepKind,
    TriageLevel,
)

_counter = itertools.count(1)

#: The models `manage.py load_library` fills.
LIBRARY_MODELS = (
    Source,
    Situation,
    BodyArea,
    Routine,
    Step,
    LearnArticle,
    Claim,
    TriageLevel,
    SafetySign,
    Disclaimer,
)

#: Names for the situation and body area slugs the tests use most.
SITUATION_NAMES = {
    "cramp-now": "Cramp now",
    "bedtime": "Bedtime",
    "desk": "At a desk",
    "exercise": "Around exercise",
}
AREA_NAMES = {"calf": "Calf", "hamstring": "Hamstring", "foot": "Foot", "thigh": "Thigh"}

INSTRUCTION = (
    "Sit on the floor with the leg straight. Loop a towel round the ball of the foot and pull "
    "the toes gently towards you until you feel a stretch in the calf. Breathe slowly and keep "
    "the knee straight; ease off if it starts to hurt."
)
SUMMARY = "A gentle stretch and massage that eases a tight calf, with a short rest in between."


def _next() -> int:
    return next(_counter)


def _unique_slug(text: str) -> str:
    return f"{slugify(text)[:120]}-{_next()}"


def make_situation(slug: str, name: str | None = None, order: int = 0) -> Situation:
    name = name or SITUATION_NAMES.get(slug, slug.title())
    situation, _ = Situation.objects.get_or_create(
        slug=slug, defaults={"name": name, "order": order}
    )
    return situation


def make_area(slug: str, name: str | None = None, order: int = 0) -> BodyArea:
    name = name or AREA_NAMES.get(slug, slug.title())
    area, _ = BodyArea.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    return area


def make_source(
    title: str | None = None, *, code: str | None = None, url: str | None = None
) -> Source:
    number = _next()
    return Source.objects.create(
        code=code or f"T{number}",
        title=title or f"Test source {number}",
        url=f"https://example.org/source-{number}" if url is None else url,
    )


def make_step(
    routine: Routine,
    title: str | None = None,
    *,
    order: int | None = None,
    duration_seconds: int | None = None,
    reps: int | None = None,
    side: str = Side.NONE,
    rest_after_seconds: int = 0,
    kind: str = StepKind.STRETCH,
    instruction: str = INSTRUCTION,
) -> Step:
    """A step of `routine`: timed (30 s unless said) or, when `reps` is given, counted."""
    if duration_seconds is None and reps is None:
        duration_seconds = 30
    if order is None:
        order = routine.steps.count()
    return Step.objects.create(
        routine=routine,
        order=order,
        kind=kind,
        title=title or f"Step {order + 1}",
        instruction=instruction,
        duration_seconds=duration_seconds,
        reps=reps,
        side=side,
        rest_after_seconds=rest_after_seconds,
    )


def make_routine(
    title: str = "Calf stretch",
    *,
    slug: str | None = None,
    summary: str = SUMMARY,
    purpose: str = Purpose.PREVENTION,
    situations: Iterable[str | Situation] = (),
    areas: Iterable[str | BodyArea] = (),
    steps: Sequence[dict[str, Any]] | None = None,
    published: bool = True,
    safety_notes: str = "",
    evidence: str = Evidence.SUPPORTED,
    evidence_note: str = "",
    sources: Iterable[Source] = (),
    order: int = 0,
) -> Routine:
    """A routine with its steps; `steps` is a list of keyword dicts for `make_step`.

    Without `steps`, the routine gets one 30-second step; `steps=[]` makes it empty.
    """
    routine = Routine.objects.create(
        title=title,
        slug=slug or _unique_slug(title),
        summary=summary,
        purpose=purpose,
        published=published,
        safety_notes=safety_notes,
        evidence=evidence,
        evidence_note=evidence_note,
        order=order,
    )
    routine.situations.set(
        [s if isinstance(s, Situation) else make_situation(s) for s in situations]
    )
    routine.body_areas.set([a if isinstance(a, BodyArea) else make_area(a) for a in areas])
    routine.sources.set(list(sources))
    for position, step in enumerate([{}] if steps is None else steps):
        make_step(routine, **{"order": position, **step})
    return routine


def make_claim(
    article: LearnArticle,
    statement: str | None = None,
    *,
    explanation: str = "Two small trials point the same way, but neither was large.",
    evidence: str = Evidence.MIXED,
    sources: Iterable[Source] = (),
    order: int | None = None,
) -> Claim:
    if order is None:
        order = article.claims.count()
    claim = Claim.objects.create(
        article=article,
        order=order,
        statement=statement or f"Claim {order + 1}",
        explanation=explanation,
        evidence=evidence,
    )
    claim.sources.set(list(sources))
    return claim


def make_article(
    title: str = "What causes cramps",
    *,
    slug: str | None = None,
    summary: str = "What is known about why muscles cramp, and what is only guessed.",
    intro: str = "",
    published: bool = True,
    order: int = 0,
    claims: Sequence[dict[str, Any]] = (),
) -> LearnArticle:
    """A Learn page; `claims` is a list of keyword dicts for `make_claim`."""
    article = LearnArticle.objects.create(
        title=title,
        slug=slug or _unique_slug(title),
        summary=summary,
        intro=intro,
        published=published,
        order=order,
    )
    for position, claim in enumerate(claims):
        make_claim(article, **{"order": position, **claim})
    return article


def make_triage_level(
    title: str = "Get seen today",
    *,
    slug: str | None = None,
    action: str = "Ask a doctor or an urgent care service to look at your leg today.",
    order: int = 0,
    stops_routine: bool = False,
) -> TriageLevel:
    return TriageLevel.objects.create(
        slug=slug or _unique_slug(title),
        title=title,
        action=action,
        order=order,
        stops_routine=stops_routine,
    )


def make_sign(
    level: TriageLevel,
    text: str = "One leg is swollen, warm and painful.",
    *,
    key: str | None = None,
    detail: str = "",
    order: int = 0,
    sources: Iterable[Source] = (),
) -> SafetySign:
    sign = SafetySign.objects.create(
        key=key or _unique_slug(text)[:60], level=level, text=text, detail=detail, order=order
    )
    sign.sources.set(list(sources))
    return sign


def make_disclaimer(
    title: str = "Not a diagnosis",
    text: str = "Unknot explains and guides. It cannot tell you what is wrong.",
    *,
    key: str | None = None,
    order: int = 0,
    sources: Iterable[Source] = (),
) -> Disclaimer:
    disclaimer = Disclaimer.objects.create(
        key=key or _unique_slug(title)[:60], title=title, text=text, order=order
    )
    disclaimer.sources.set(list(sources))
    return disclaimer


#: The twelve steps of each bulk routine: a mix of timed, counted, each-side and resting steps.
BULK_STEPS: list[dict[str, Any]] = [
    {"duration_seconds": 5, "kind": StepKind.POSITION},
    {"duration_seconds": 30, "side": Side.EACH, "rest_after_seconds": 10},
    {"reps": 15, "kind": StepKind.STRENGTH},
    {"duration_seconds": 60, "kind": StepKind.MASSAGE},
    {"duration_seconds": 30, "side": Side.LEFT},
    {"duration_seconds": 30, "side": Side.RIGHT, "rest_after_seconds": 15},
    {"reps": 10, "side": Side.EACH, "kind": StepKind.MOVEMENT},
    {"duration_seconds": 45},
    {"duration_seconds": 20, "rest_after_seconds": 10},
    {"reps": 8, "kind": StepKind.STRENGTH},
    {"duration_seconds": 30, "side": Side.EACH},
    {"duration_seconds": 60, "kind": StepKind.REST},
]


def make_many_routines(
    count: int, *, steps_each: int = 12, start: int = 0, prefix: str = "Bulk routine"
) -> list[Routine]:
    """`count` published routines of `steps_each` steps, in a handful of bulk inserts.

    Even numbers are relief routines for "cramp now", odd ones prevention; each has one or two
    situations and one or two body areas. `start` offsets the numbering so calls can add more.
    """
    situations = [make_situation(slug) for slug in SITUATION_NAMES]
    areas = [make_area(slug) for slug in AREA_NAMES]
    routines = Routine.objects.bulk_create(
        [
            Routine(
                title=f"{prefix} {n:04d}",
                slug=f"{slugify(prefix)}-{n:04d}",
                summary=SUMMARY,
                purpose=Purpose.RELIEF if n % 2 == 0 else Purpose.PREVENTION,
                published=True,
                safety_notes="Stop if it hurts.\nDo not bounce.",
                evidence=Evidence.MIXED,
                evidence_note="A small trial found fewer cramps; another found no change.",
                order=n,
            )
            for n in range(start, start + count)
        ]
    )
    situation_links = []
    area_links = []
    for n, routine in enumerate(routines, start=start):
        first = situations[0] if n % 2 == 0 else situations[1 + n % 3]
        chosen = {first, situations[(n // 2) % len(situations)]}
        situation_links += [
            Routine.situations.through(routine_id=routine.pk, situation_id=s.pk) for s in chosen
        ]
        picked = {areas[n % len(areas)], areas[(n // 3) % len(areas)]}
        area_links += [
            Routine.body_areas.through(routine_id=routine.pk, bodyarea_id=a.pk) for a in picked
        ]
    Routine.situations.through.objects.bulk_create(situation_links)
    Routine.body_areas.through.objects.bulk_create(area_links)
    Step.objects.bulk_create(
        [
            Step(
                routine=routine,
                order=position,
                title=f"Step {position + 1}",
                instruction=INSTRUCTION,
                **{"kind": StepKind.STRETCH, **BULK_STEPS[position % len(BULK_STEPS)]},
            )
            for routine in routines
            for position in range(steps_each)
        ]
    )
    return routines
