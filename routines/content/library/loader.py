"""Put the built-in library into the database without overwriting what staff wrote.

Every top-level item is matched by its natural key (Source.code, Situation.slug, BodyArea.slug,
TriageLevel.slug, SafetySign.key, Disclaimer.key, Routine.slug, LearnArticle.slug). Missing
items are created. Existing rows are written only by a correction listed in `revisions.py`,
once per database, and only in fields that still hold the old shipped value (compared in the
database), so staff edits survive a re-run. Steps and claims have no natural key: they are
created only together with their new routine or Learn page, never added to one that already
exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from routines.content.caching import bump_content_version
from routines.content.library.disclaimers import DISCLAIMERS
from routines.content.library.learn import LEARN_ARTICLES
from routines.content.library.revisions import REVISIONS, Revision
from routines.content.library.routines import ROUTINES
from routines.content.library.safety import SAFETY_SIGNS, TRIAGE_LEVELS
from routines.content.library.sources import SOURCES
from routines.content.library.taxonomy import BODY_AREAS, SITUATIONS
from routines.content.models import (
    BodyArea,
    Claim,
    Disclaimer,
    LearnArticle,
    LibraryRevision,
    Routine,
    SafetySign,
    Situation,
    Source,
    Step,
    TriageLevel,
)

#: Labels in the order the summary lists them. Steps and claims are children, counted apart.
TOP_LEVEL = (
    "routine",
    "Learn page",
    "source",
    "situation",
    "body area",
    "triage level",
    "safety sign",
    "disclaimer",
)


class LibraryError(Exception):
    """The built-in data refers to something that does not exist (a bug in the data)."""


@dataclass
class LoadReport:
    """What one run created, by kind, and how many existing items it left alone."""

    created: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in TOP_LEVEL})
    steps: int = 0
    claims: int = 0
    existing: int = 0
    #: Corrections applied in this run: (revision name, changes made, changes left to staff).
    revised: list[tuple[str, int, list[str]]] = field(default_factory=list)

    @property
    def created_count(self) -> int:
        return sum(len(keys) for keys in self.created.values())

    def summary(self) -> str:
        parts = []
        for label in TOP_LEVEL:
            count = len(self.created[label])
            if not count:
                continue
            part = _plural(count, label)
            if label == "routine":
                part += f" ({_plural(self.steps, 'step')})"
            elif label == "Learn page":
                part += f" ({_plural(self.claims, 'claim')})"
            parts.append(part)
        if parts:
            created = "Created " + _join(parts) + "."
        else:
            created = "Created nothing: every item is already in the database."
        summary = f"{created} Left {_plural(self.existing, 'existing item')} alone."
        for name, updated, kept in self.revised:
            summary += (
                f" Correction {name}: updated {_plural(updated, 'item')} still holding the old "
                f"wording; kept {len(kept)} that staff had edited."
            )
        return summary


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _join(parts: Sequence[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _missing(model: type[models.Model], key_field: str, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    present = set(
        model._default_manager.filter(**{f"{key_field}__in": keys}).values_list(
            key_field, flat=True
        )
    )
    return {k for k in keys if k not in present}


def _ids(model: type[models.Model], key_field: str, keys: Iterable[str]) -> dict[str, int]:
    """Map natural keys to primary keys for the given keys, in one query."""
    return dict(
        model._default_manager.filter(**{f"{key_field}__in": list(keys)}).values_list(
            key_field, "pk"
        )
    )


def _lookup(ids: dict[str, int], keys: Iterable[str], what: str, owner: str) -> list[int]:
    try:
        return [ids[k] for k in keys]
    except KeyError as error:
        raise LibraryError(f"{owner} refers to unknown {what} {error.args[0]!r}") from None


def _link(model: type[models.Model], field_name: str, pairs: Iterable[tuple[int, int]]) -> None:
    """Bulk-create rows of a many-to-many table from (owner id, target id) pairs."""
    m2m = model._meta.get_field(field_name)
    if not isinstance(m2m, models.ManyToManyField):
        raise TypeError(f"{model.__name__}.{field_name} is not a many-to-many field")
    through = m2m.remote_field.through
    owner, target = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
    through.objects.bulk_create(
        [through(**{f"{owner}_id": a, f"{target}_id": b}) for a, b in pairs]
    )


def _load_flat(
    report: LoadReport,
    label: str,
    model: type[models.Model],
    key_field: str,
    items: Sequence[Any],
    build: Callable[[Any], models.Model],
) -> list[str]:
    """Create the missing items of a kind without children; return the keys created."""
    keys = [getattr(item, key_field) for item in items]
    missing = _missing(model, key_field, keys)
    new = [item for item in items if getattr(item, key_field) in missing]
    model._default_manager.bulk_create([build(item) for item in new])
    created = [getattr(item, key_field) for item in new]
    report.created[label].extend(created)
    report.existing += len(items) - len(new)
    return created


@transaction.atomic
def load_library() -> LoadReport:
    """Create whatever part of the built-in library is missing. One transaction, all or nothing."""
    report = LoadReport()
    bump_content_version()  # bulk_create sends no save signals; applied on commit

    _load_flat(
        report,
        "source",
        Source,
        "code",
        SOURCES,
        lambda s: Source(code=s.code, title=s.title, url=s.url),
    )
    for label, model, tags in (
        ("situation", Situation, SITUATIONS),
        ("body area", BodyArea, BODY_AREAS),
    ):
        _load_flat(
            report,
            label,
            model,
            "slug",
            tags,
            lambda t, model=model: model(slug=t.slug, name=t.name, order=t.order),
        )
    _load_flat(
        report,
        "triage level",
        TriageLevel,
        "slug",
        TRIAGE_LEVELS,
        lambda t: TriageLevel(
            slug=t.slug,
            title=t.title,
            action=t.action,
            stops_routine=t.stops_routine,
            order=t.order,
            call_numbers=t.call_numbers,
        ),
    )

    source_ids = _ids(Source, "code", [s.code for s in SOURCES])
    level_ids = _ids(TriageLevel, "slug", [t.slug for t in TRIAGE_LEVELS])

    signs = {s.key: s for s in SAFETY_SIGNS}
    new_signs = _load_flat(
        report,
        "safety sign",
        SafetySign,
        "key",
        SAFETY_SIGNS,
        lambda s: SafetySign(
            key=s.key,
            level_id=_lookup(level_ids, [s.level], "triage level", f"Sign {s.key}")[0],
            text=s.text,
            detail=s.detail,
            order=s.order,
        ),
    )
    sign_ids = _ids(SafetySign, "key", new_signs)
    _link(
        SafetySign,
        "sources",
        (
            (sign_ids[key], source_id)
            for key in new_signs
            for source_id in _lookup(source_ids, signs[key].sources, "source", f"Sign {key}")
        ),
    )

    disclaimers = {d.key: d for d in DISCLAIMERS}
    new_disclaimers = _load_flat(
        report,
        "disclaimer",
        Disclaimer,
        "key",
        DISCLAIMERS,
        lambda d: Disclaimer(key=d.key, title=d.title, text=d.text, order=d.order),
    )
    disclaimer_ids = _ids(Disclaimer, "key", new_disclaimers)
    _link(
        Disclaimer,
        "sources",
        (
            (disclaimer_ids[key], source_id)
            for key in new_disclaimers
            for source_id in _lookup(
                source_ids, disclaimers[key].sources, "source", f"Disclaimer {key}"
            )
        ),
    )

    _load_routines(report, source_ids)
    _load_articles(report, source_ids)
    _apply_revisions(report, REVISIONS)
    return report


def _apply_revisions(report: LoadReport, revisions: Sequence[Revision]) -> None:
    """Apply the corrections this database has not had yet, each once (see revisions.py)."""
    done = set(LibraryRevision.objects.values_list("name", flat=True))
    pending = [revision for revision in revisions if revision.name not in done]
    if not pending:
        return
    if report.existing == 0:
        # Every row was created in this run, with the current wording: nothing to correct.
        LibraryRevision.objects.bulk_create([LibraryRevision(name=r.name) for r in pending])
        return
    for revision in pending:
        outcomes = [change.apply() for change in revision.changes]
        updated = sum(outcome.updated for outcome in outcomes)
        kept = [label for outcome in outcomes for label in outcome.kept]
        LibraryRevision.objects.create(name=revision.name, updated=updated, kept=len(kept))
        report.revised.append((revision.name, updated, kept))


def _load_routines(report: LoadReport, source_ids: dict[str, int]) -> None:
    routines = {r.slug: r for r in ROUTINES}
    new_slugs = _load_flat(
        report,
        "routine",
        Routine,
        "slug",
        ROUTINES,
        lambda r: Routine(
            slug=r.slug,
            title=r.title,
            summary=r.summary,
            purpose=r.purpose,
            published=r.published,
            safety_notes="\n".join(r.safety_notes),
            evidence=r.evidence,
            evidence_note=r.evidence_note,
            order=r.order,
        ),
    )
    if not new_slugs:
        return
    routine_ids = _ids(Routine, "slug", new_slugs)
    situation_ids = _ids(Situation, "slug", [t.slug for t in SITUATIONS])
    area_ids = _ids(BodyArea, "slug", [t.slug for t in BODY_AREAS])

    for field_name, ids, attr, what in (
        ("situations", situation_ids, "situations", "situation"),
        ("body_areas", area_ids, "body_areas", "body area"),
        ("sources", source_ids, "sources", "source"),
    ):
        _link(
            Routine,
            field_name,
            (
                (routine_ids[slug], target)
                for slug in new_slugs
                for target in _lookup(ids, getattr(routines[slug], attr), what, f"Routine {slug}")
            ),
        )

    steps = [
        Step(
            routine_id=routine_ids[slug],
            order=index,
            kind=step.kind,
            title=step.title,
            instruction=step.instruction,
            duration_seconds=step.duration_seconds,
            reps=step.reps,
            side=step.side,
            rest_after_seconds=step.rest_after_seconds,
        )
        for slug in new_slugs
        for index, step in enumerate(routines[slug].steps, start=1)
    ]
    Step.objects.bulk_create(steps)
    report.steps += len(steps)


def _load_articles(report: LoadReport, source_ids: dict[str, int]) -> None:
    articles = {a.slug: a for a in LEARN_ARTICLES}
    situation_ids = _ids(Situation, "slug", [a.situation for a in LEARN_ARTICLES if a.situation])
    new_slugs = _load_flat(
        report,
        "Learn page",
        LearnArticle,
        "slug",
        LEARN_ARTICLES,
        lambda a: LearnArticle(
            slug=a.slug,
            title=a.title,
            summary=a.summary,
            intro=a.intro,
            order=a.order,
            published=a.published,
            situation_id=(
                _lookup(situation_ids, [a.situation], "situation", f"Learn page {a.slug}")[0]
                if a.situation
                else None
            ),
        ),
    )
    if not new_slugs:
        return
    article_ids = _ids(LearnArticle, "slug", new_slugs)
    Claim.objects.bulk_create(
        [
            Claim(
                article_id=article_ids[slug],
                order=index,
                statement=claim.statement,
                verdict=claim.verdict,
                explanation=claim.explanation,
                evidence=claim.evidence,
            )
            for slug in new_slugs
            for index, claim in enumerate(articles[slug].claims, start=1)
        ]
    )
    # The new articles hold only the claims just created: find their ids by (article, order).
    claim_ids = {
        (article_id, order): pk
        for article_id, order, pk in Claim.objects.filter(
            article_id__in=article_ids.values()
        ).values_list("article_id", "order", "pk")
    }
    _link(
        Claim,
        "sources",
        (
            (claim_ids[(article_ids[slug], index)], source_id)
            for slug in new_slugs
            for index, claim in enumerate(articles[slug].claims, start=1)
            for source_id in _lookup(source_ids, claim.sources, "source", f"A claim on {slug}")
        ),
    )
    report.claims += len(claim_ids)
