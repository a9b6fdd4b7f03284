"""Checks on the built-in content itself: ranges, sources, evidence labels, lengths, totals."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from routines.content.library import (
    BODY_AREAS,
    DISCLAIMERS,
    LEARN_ARTICLES,
    ROUTINES,
    SAFETY_SIGNS,
    SITUATIONS,
    SOURCES,
    TRIAGE_LEVELS,
)
from routines.content.library.safety import LONG_CRAMP_ADVICE
from routines.content.library.types import ClaimData, RoutineData, StepData
from routines.content.models import (
    Evidence,
    Purpose,
    Routine,
    Side,
    StepKind,
)
from routines.content.models.step import MAX_DURATION, MAX_REPS, MAX_REST

from .factories import LIBRARY_MODELS

SOURCE_CODES = {s.code for s in SOURCES}
MAX_INSTRUCTION = 400
ROUTINE_BY_SLUG = {r.slug: r for r in ROUTINES}
# Sign 5 (a recent injury) is a design precaution with no source in the brief.
SIGNS_WITHOUT_SOURCE = {"recent-injury"}


def all_steps() -> Iterator[tuple[RoutineData, StepData]]:
    for routine in ROUTINES:
        for step in routine.steps:
            yield routine, step


def all_claims() -> Iterator[ClaimData]:
    for article in LEARN_ARTICLES:
        yield from article.claims


def step_id(item: tuple[RoutineData, StepData]) -> str:
    return f"{item[0].slug}:{item[1].title}"


@pytest.mark.parametrize("item", list(all_steps()), ids=step_id)
def test_step_gives_a_duration_or_reps_within_range(item: tuple[RoutineData, StepData]) -> None:
    _, step = item
    assert (step.duration_seconds is None) != (step.reps is None)
    if step.duration_seconds is not None:
        assert 1 <= step.duration_seconds <= MAX_DURATION
    else:
        assert 1 <= step.reps <= MAX_REPS
    assert 0 <= step.rest_after_seconds <= MAX_REST
    assert step.side in Side.values
    assert step.kind in StepKind.values


def sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))


@pytest.mark.parametrize("item", list(all_steps()), ids=step_id)
def test_instruction_is_short_enough_to_read_mid_cramp(item: tuple[RoutineData, StepData]) -> None:
    _, step = item
    assert len(step.instruction) <= MAX_INSTRUCTION
    assert 2 <= sentences(step.instruction) <= 3
    assert len(step.title) <= 40


@pytest.mark.parametrize("item", list(all_steps()), ids=step_id)
def test_each_side_step_leaves_the_side_to_the_player(item: tuple[RoutineData, StepData]) -> None:
    # The player runs an "each side" step as a left phase, then a right phase, and names the
    # side itself: the instruction must read right for either leg.
    _, step = item
    if step.side == Side.EACH:
        assert "swap" not in step.instruction
        assert "other leg" not in step.instruction


def test_summaries_and_explanations_are_short() -> None:
    for routine in ROUTINES:
        assert 1 <= sentences(routine.summary) <= 2, routine.slug
        assert 1 <= sentences(routine.evidence_note) <= 2, routine.slug
    for claim in all_claims():
        assert 2 <= sentences(claim.explanation) <= 4, claim.statement


def test_there_are_ten_routines_in_the_agreed_order() -> None:
    assert [r.slug for r in sorted(ROUTINES, key=lambda r: r.order)] == [
        "calf-cramp-relief",
        "hamstring-cramp-relief",
        "foot-cramp-relief",
        "calf-massage",
        "heat-for-a-tight-muscle",
        "cold-for-a-sore-muscle",
        "warm-up",
        "cool-down",
        "bedtime-stretches",
        "desk-micro-break",
    ]
    assert all(r.published for r in ROUTINES)


@pytest.mark.parametrize("area", ["calf", "hamstring", "foot"])
def test_relief_routine_runs_on_the_cramped_leg(area: str) -> None:
    routine = ROUTINE_BY_SLUG[f"{area}-cramp-relief"]
    assert routine.purpose == Purpose.RELIEF
    assert routine.situations == ("cramp-now",)
    assert routine.body_areas == (area,)
    assert routine.evidence == Evidence.SUPPORTED
    assert all(step.side == Side.NONE for step in routine.steps)
    stretches = [s for s in routine.steps if s.kind == StepKind.STRETCH]
    assert any("cramped" in s.instruction for s in stretches)
    # Three holds of the cramped muscle, each followed by a short rest.
    holds = [s for s in stretches if s.rest_after_seconds == 10]
    assert len(holds) == 3
    assert all(20 <= s.duration_seconds <= 30 for s in holds)
    # Every relief routine ends with the 10-minute rule: get seen today, not an emergency.
    assert LONG_CRAMP_ADVICE in routine.steps[-1].instruction


def test_evidence_levels_follow_the_brief() -> None:
    levels = {r.slug: r.evidence for r in ROUTINES}
    assert levels == {
        "calf-cramp-relief": Evidence.SUPPORTED,
        "hamstring-cramp-relief": Evidence.SUPPORTED,
        "foot-cramp-relief": Evidence.SUPPORTED,
        "calf-massage": Evidence.SUPPORTED,
        "heat-for-a-tight-muscle": Evidence.MIXED,
        "cold-for-a-sore-muscle": Evidence.MIXED,
        "warm-up": Evidence.MIXED,
        "cool-down": Evidence.MIXED,
        "bedtime-stretches": Evidence.MIXED,
        "desk-micro-break": Evidence.WEAK,
    }


@pytest.mark.parametrize(
    ("words", "evidence"),
    [
        ("toes towards you", Evidence.SUPPORTED),
        ("Rubbing the muscle", Evidence.SUPPORTED),
        ("Heat or cold", Evidence.MIXED),
        ("Diuretics", Evidence.SUPPORTED),
        ("Statins", Evidence.MIXED),
        ("Chamomile", Evidence.WEAK),
        ("lavender", Evidence.WEAK),
        ("vinegar and tomatoes", Evidence.WEAK),
        ("Magnesium tablets", Evidence.WEAK),
        ("Stretching before bed", Evidence.MIXED),
        ("Muscle relaxants", Evidence.WEAK),
        ("Physiotherapy", Evidence.MIXED),
        ("Dehydration", Evidence.MIXED),
        ("Nicotine", Evidence.WEAK),
        ("torn calf", Evidence.WEAK),
        ("need tests", Evidence.MIXED),
    ],
)
def test_claim_carries_the_brief_verdict(words: str, evidence: Evidence) -> None:
    matches = [c for c in all_claims() if words.lower() in c.statement.lower()]
    assert len(matches) == 1, words
    assert matches[0].evidence == evidence


def test_quinine_is_named_as_not_for_routine_use() -> None:
    quinine = [c for c in all_claims() if "quinine" in c.explanation.lower()]
    assert quinine
    assert all(c.evidence == Evidence.WEAK for c in quinine)
    assert any("quinine" in d.text.lower() for d in DISCLAIMERS)


def test_massage_is_blocked_by_a_clot_sign() -> None:
    massage = ROUTINE_BY_SLUG["calf-massage"]
    assert "clot" in massage.safety_notes[0]
    assert massage.steps[0].kind == StepKind.CHECK
    assert "clot" in massage.steps[0].instruction


def test_heat_and_cold_carry_their_safety_rules() -> None:
    heat = "\n".join(ROUTINE_BY_SLUG["heat-for-a-tight-muscle"].safety_notes)
    cold = "\n".join(ROUTINE_BY_SLUG["cold-for-a-sore-muscle"].safety_notes)
    for rule in ("asleep", "numb", "pregnant", "20 minutes", "circulation"):
        assert rule in heat
    for rule in ("does not stop", "circulation", "15 minutes", "2 to 3 hours"):
        assert rule in cold
    assert any(s.duration_seconds == 900 for s in ROUTINE_BY_SLUG["heat-for-a-tight-muscle"].steps)
    cold_steps = ROUTINE_BY_SLUG["cold-for-a-sore-muscle"].steps
    assert any(s.kind == StepKind.COLD and 600 <= s.duration_seconds <= 900 for s in cold_steps)


def test_prevention_stretches_run_on_each_side() -> None:
    for slug in ("cool-down", "bedtime-stretches", "desk-micro-break"):
        stretches = [s for s in ROUTINE_BY_SLUG[slug].steps if s.kind == StepKind.STRETCH]
        assert stretches
        assert all(s.side == Side.EACH for s in stretches), slug


def test_bedtime_routine_follows_the_trial() -> None:
    bedtime = ROUTINE_BY_SLUG["bedtime-stretches"]
    holds = [s for s in bedtime.steps if s.kind == StepKind.STRETCH]
    assert len(holds) == 6  # three calf and three hamstring holds
    assert all(s.duration_seconds == 10 and s.rest_after_seconds == 10 for s in holds)
    assert all(s.side == Side.EACH for s in holds)
    assert bedtime.situations == ("bedtime",)
    assert "S8" in bedtime.sources


def test_every_routine_claim_and_sign_cites_a_known_source() -> None:
    for routine in ROUTINES:
        assert routine.sources, routine.slug
        assert set(routine.sources) <= SOURCE_CODES
    for claim in all_claims():
        assert claim.sources, claim.statement
        assert set(claim.sources) <= SOURCE_CODES
    for sign in SAFETY_SIGNS:
        assert set(sign.sources) <= SOURCE_CODES
        assert bool(sign.sources) == (sign.key not in SIGNS_WITHOUT_SOURCE), sign.key
    for disclaimer in DISCLAIMERS:
        assert set(disclaimer.sources) <= SOURCE_CODES
    by_key = {d.key: d for d in DISCLAIMERS}
    assert "S9" in by_key["magnesium"].sources
    assert "S3" in by_key["painkillers"].sources


def test_every_source_is_cited_somewhere_or_listed_for_reference() -> None:
    cited = Counter(
        code
        for group in (
            [r.sources for r in ROUTINES],
            [c.sources for c in all_claims()],
            [s.sources for s in SAFETY_SIGNS],
            [d.sources for d in DISCLAIMERS],
        )
        for codes in group
        for code in codes
    )
    # S4 (patient handout) and the hydration sources S30-S32, S36 back the hydration feature.
    assert set(cited) | {"S4", "S30", "S32", "S36"} == SOURCE_CODES


def test_every_evidence_level_is_one_of_three() -> None:
    levels = [r.evidence for r in ROUTINES] + [c.evidence for c in all_claims()]
    assert set(levels) <= {Evidence.SUPPORTED, Evidence.MIXED, Evidence.WEAK}


def test_learn_pages_have_three_to_eight_claims() -> None:
    assert 9 <= len(LEARN_ARTICLES) <= 11
    for article in LEARN_ARTICLES:
        assert 3 <= len(article.claims) <= 8, article.slug


def test_triage_has_three_levels_and_fourteen_signs() -> None:
    assert [(t.slug, t.stops_routine) for t in TRIAGE_LEVELS] == [
        ("emergency", True),
        ("today", True),
        ("soon", False),
    ]
    assert Counter(s.level for s in SAFETY_SIGNS) == {"emergency": 2, "today": 5, "soon": 7}
    assert len(DISCLAIMERS) == 11


@pytest.mark.parametrize(
    ("items", "key"),
    [
        (SOURCES, "code"),
        (SITUATIONS, "slug"),
        (BODY_AREAS, "slug"),
        (ROUTINES, "slug"),
        (LEARN_ARTICLES, "slug"),
        (TRIAGE_LEVELS, "slug"),
        (SAFETY_SIGNS, "key"),
        (DISCLAIMERS, "key"),
        (ROUTINES, "order"),
        (LEARN_ARTICLES, "order"),
        (DISCLAIMERS, "order"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v[0]).__name__,
)
def test_keys_and_orders_are_unique(items: tuple[object, ...], key: str) -> None:
    values = [getattr(item, key) for item in items]
    assert len(values) == len(set(values))


def _records() -> Iterator[object]:
    for group in (SITUATIONS, BODY_AREAS, ROUTINES, LEARN_ARTICLES, TRIAGE_LEVELS, SAFETY_SIGNS):
        yield from group
    yield from DISCLAIMERS
    yield from all_claims()
    for _, step in all_steps():
        yield step


def test_no_text_field_is_empty() -> None:
    for record in _records():
        for field in dataclasses.fields(record):  # type: ignore[arg-type]  # _records() yields dataclass instances typed as object
            value = getattr(record, field.name)
            if isinstance(value, str):
                assert value.strip() == value, (record, field.name)
                # Optional fields have a default (call numbers: only levels that call someone).
                optional = field.default is not dataclasses.MISSING
                assert value or optional, (record, field.name)
            if field.name == "safety_notes":
                assert value and all(line.strip() for line in value), record
    for source in SOURCES:
        assert source.code and source.title


def test_no_text_uses_american_spelling() -> None:
    text = " ".join(
        str(getattr(record, f.name))
        for record in _records()
        for f in dataclasses.fields(record)  # type: ignore[arg-type]  # _records() yields dataclass instances typed as object
    ).lower()
    for word in ("toward ", "color", "center", "pediatric", "hospitalize", "labor "):
        assert word not in text


# After loading: what the database and the models make of the data.


@pytest.mark.django_db
def test_every_loaded_row_passes_model_validation() -> None:
    call_command("load_library", verbosity=0)

    for model in LIBRARY_MODELS:
        for row in model.objects.all():
            row.full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["warm-up", "cool-down"])
def test_warm_up_and_cool_down_take_about_ten_minutes(slug: str) -> None:
    call_command("load_library", verbosity=0)

    routine = Routine.objects.get(slug=slug)
    assert 8 * 60 <= routine.total_seconds <= 14 * 60
    annotated = Routine.objects.with_total_seconds().get(slug=slug)
    assert annotated.total_seconds == routine.total_seconds


@pytest.mark.django_db
def test_bedtime_routine_loads_with_each_side_steps() -> None:
    call_command("load_library", verbosity=0)

    steps = Routine.objects.get(slug="bedtime-stretches").steps.all()
    assert [s.sides for s in steps if s.kind == StepKind.STRETCH] == [["left", "right"]] * 6


@pytest.mark.django_db
def test_routine_safety_notes_load_one_per_line() -> None:
    call_command("load_library", verbosity=0)

    for data in ROUTINES:
        assert Routine.objects.get(slug=data.slug).safety_note_lines() == list(data.safety_notes)
