"""The shapes of the built-in content: plain, frozen records the loader turns into rows.

Each record carries its natural key (a code, slug or key) so the loader can tell what is
already in the database. Source codes refer to `SOURCES` by code, for example "S3".
"""

from __future__ import annotations

from dataclasses import dataclass

from routines.content.models import Evidence, Purpose, Side, StepKind


@dataclass(frozen=True)
class SourceData:
    code: str
    title: str
    url: str = ""


@dataclass(frozen=True)
class TagData:
    """A situation or a body area."""

    slug: str
    name: str
    order: int


@dataclass(frozen=True)
class StepData:
    """One step of a routine: give either `duration_seconds` or `reps`, never both."""

    kind: StepKind
    title: str
    instruction: str
    duration_seconds: int | None = None
    reps: int | None = None
    side: Side = Side.NONE
    rest_after_seconds: int = 0


@dataclass(frozen=True)
class RoutineData:
    slug: str
    title: str
    summary: str
    purpose: Purpose
    order: int
    situations: tuple[str, ...]
    body_areas: tuple[str, ...]
    safety_notes: tuple[str, ...]
    evidence: Evidence
    evidence_note: str
    sources: tuple[str, ...]
    steps: tuple[StepData, ...]
    published: bool = True


@dataclass(frozen=True)
class ClaimData:
    """A Learn claim. `statement` is the heading: a question answered by `verdict`, or a plain
    statement (with no verdict) only when the evidence for it is supported."""

    statement: str
    explanation: str
    evidence: Evidence
    sources: tuple[str, ...]
    verdict: str = ""


@dataclass(frozen=True)
class ArticleData:
    slug: str
    title: str
    summary: str
    intro: str
    order: int
    claims: tuple[ClaimData, ...]
    published: bool = True
    #: A situation slug: the page offers that situation's routines to start.
    situation: str = ""


@dataclass(frozen=True)
class TriageLevelData:
    slug: str
    title: str
    action: str
    stops_routine: bool
    order: int
    call_numbers: str = ""


@dataclass(frozen=True)
class SafetySignData:
    key: str
    level: str
    text: str
    detail: str
    order: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DisclaimerData:
    key: str
    title: str
    text: str
    order: int
    sources: tuple[str, ...] = ()
