"""`manage.py load_library`: creates the built-in content once, and never overwrites edits."""

from __future__ import annotations

import dataclasses
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from routines.content.library import LEARN_ARTICLES, ROUTINES, load_library, loader
from routines.content.management.commands.load_library import Command
from routines.content.models import (
    Claim,
    Disclaimer,
    LearnArticle,
    Purpose,
    Routine,
    SafetySign,
    Source,
    Step,
    TriageLevel,
)

from .factories import LIBRARY_MODELS

pytestmark = pytest.mark.django_db

TOTAL_STEPS = sum(len(r.steps) for r in ROUTINES)
TOTAL_CLAIMS = sum(len(a.claims) for a in LEARN_ARTICLES)
# Top-level items, each with a natural key: 36 sources, 6 situations, 4 body areas,
# 3 triage levels, 14 signs, 11 disclaimers, 10 routines and the Learn pages.
TOTAL_ITEMS = 36 + 6 + 4 + 3 + 14 + 11 + 10 + len(LEARN_ARTICLES)


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_library", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in LIBRARY_MODELS} | {
        "routine sources": Routine.sources.through.objects.count(),
        "claim sources": Claim.sources.through.objects.count(),
        "sign sources": SafetySign.sources.through.objects.count(),
        "disclaimer sources": Disclaimer.sources.through.objects.count(),
        "routine situations": Routine.situations.through.objects.count(),
        "routine areas": Routine.body_areas.through.objects.count(),
    }


def test_first_run_creates_the_whole_library() -> None:
    run()

    assert Routine.objects.count() == 10
    assert Routine.objects.published().count() == 10
    assert Source.objects.count() == 36
    assert set(Source.objects.values_list("code", flat=True)) == {f"S{n}" for n in range(1, 37)}
    assert SafetySign.objects.count() == 14
    assert TriageLevel.objects.count() == 3
    assert {level.slug: level.signs.count() for level in TriageLevel.objects.all()} == {
        "emergency": 2,
        "today": 5,
        "soon": 7,
    }
    assert Disclaimer.objects.count() == 11
    assert LearnArticle.objects.filter(published=True).count() == len(LEARN_ARTICLES) >= 9
    assert Claim.objects.count() == TOTAL_CLAIMS
    assert Step.objects.count() == TOTAL_STEPS
    assert not Routine.objects.filter(steps__isnull=True).exists()
    assert not LearnArticle.objects.filter(claims__isnull=True).exists()


@pytest.mark.parametrize("area", ["calf", "hamstring", "foot"])
def test_each_cramp_area_gets_a_relief_routine_for_a_cramp_now(area: str) -> None:
    run()

    relief = Routine.objects.published().filter(
        purpose=Purpose.RELIEF, situations__slug="cramp-now", body_areas__slug=area
    )
    assert relief.exists()
    # The first in library order is the one the home page offers: the dedicated relief routine.
    assert relief.order_by("order").first().slug == f"{area}-cramp-relief"


def test_triage_levels_stop_a_routine_only_for_emergency_and_today() -> None:
    run()

    assert dict(TriageLevel.objects.values_list("slug", "stops_routine")) == {
        "emergency": True,
        "today": True,
        "soon": False,
    }


def test_links_are_created_with_their_items() -> None:
    run()

    calf = Routine.objects.get(slug="calf-cramp-relief")
    assert list(calf.situations.values_list("slug", flat=True)) == ["cramp-now"]
    assert list(calf.body_areas.values_list("slug", flat=True)) == ["calf"]
    assert set(calf.sources.values_list("code", flat=True)) >= {"S6", "S14", "S3"}
    assert list(SafetySign.objects.get(key="recent-injury").sources.all()) == []
    assert list(Disclaimer.objects.get(key="magnesium").sources.values_list("code", flat=True)) == [
        "S9"
    ]
    assert not Claim.objects.filter(sources__isnull=True).exists()


def test_steps_keep_the_data_order() -> None:
    run()

    bedtime = next(r for r in ROUTINES if r.slug == "bedtime-stretches")
    loaded = Routine.objects.get(slug="bedtime-stretches").steps.all()
    assert [s.title for s in loaded] == [s.title for s in bedtime.steps]
    assert [s.order for s in loaded] == list(range(1, len(bedtime.steps) + 1))


def test_second_run_creates_nothing() -> None:
    run()
    before = counts()

    output = run()

    assert counts() == before
    assert "Created nothing" in output
    assert f"Left {TOTAL_ITEMS} existing items alone." in output


def test_rerun_keeps_staff_edits() -> None:
    run()
    routine = Routine.objects.get(slug="calf-cramp-relief")
    routine.title = "Calf cramp: quick relief"
    routine.save()
    first_step, *kept_steps = routine.steps.all()
    first_step.delete()
    edited_step = kept_steps[0]
    edited_step.duration_seconds = 45
    edited_step.save()
    Disclaimer.objects.filter(key="painkillers").update(text="Our own wording.")
    LearnArticle.objects.filter(slug="home-remedies").update(published=False)
    Routine.objects.filter(slug="warm-up").update(published=False)
    claim = Claim.objects.filter(article__slug="cramp-myths").first()
    claim.delete()

    output = run()

    routine.refresh_from_db()
    assert routine.title == "Calf cramp: quick relief"
    assert [s.pk for s in routine.steps.all()] == [s.pk for s in kept_steps]
    assert routine.steps.get(pk=edited_step.pk).duration_seconds == 45
    assert Disclaimer.objects.get(key="painkillers").text == "Our own wording."
    assert not LearnArticle.objects.get(slug="home-remedies").published
    assert not Routine.objects.get(slug="warm-up").published
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert Claim.objects.count() == TOTAL_CLAIMS - 1
    assert Step.objects.count() == TOTAL_STEPS - 1
    assert "Created nothing" in output


def test_deleted_routine_comes_back_with_its_steps() -> None:
    run()
    Routine.objects.get(slug="bedtime-stretches").delete()
    edited = Routine.objects.get(slug="warm-up")
    edited.title = "My warm-up"
    edited.save()

    output = run()

    restored = Routine.objects.get(slug="bedtime-stretches")
    bedtime = next(r for r in ROUTINES if r.slug == "bedtime-stretches")
    assert restored.steps.count() == len(bedtime.steps)
    assert set(restored.situations.values_list("slug", flat=True)) == {"bedtime"}
    assert restored.sources.filter(code="S8").exists()
    assert Routine.objects.get(slug="warm-up").title == "My warm-up"
    assert Routine.objects.count() == 10
    assert output.startswith(f"Created 1 routine ({len(bedtime.steps)} steps).")
    assert f"Left {TOTAL_ITEMS - 1} existing items alone." in output


def test_deleted_source_and_sign_come_back_and_relink_only_new_items() -> None:
    run()
    Source.objects.filter(code="S25").delete()
    SafetySign.objects.filter(key="pain-on-walking").delete()

    output = run()

    assert Source.objects.filter(code="S25").exists()
    assert SafetySign.objects.get(key="pain-on-walking").sources.filter(code="S25").exists()
    # The Learn claims that cited S25 lost the link with the deletion; a re-run leaves them be.
    assert not Claim.objects.filter(sources__code="S25").exists()
    assert output.startswith("Created 1 source and 1 safety sign.")


def test_output_is_the_summary_of_what_was_created() -> None:
    output = run()

    assert output.strip().splitlines() == [
        f"Created 10 routines ({TOTAL_STEPS} steps), {len(LEARN_ARTICLES)} Learn pages "
        f"({TOTAL_CLAIMS} claims), 36 sources, 6 situations, 4 body areas, 3 triage levels, "
        "14 safety signs and 11 disclaimers. Left 0 existing items alone."
    ]


def test_quiet_run_prints_nothing_but_still_loads() -> None:
    assert run("--verbosity", "0") == ""
    assert Routine.objects.count() == 10


def test_verbose_output_names_what_was_created() -> None:
    run()
    Routine.objects.filter(slug="cold-for-a-sore-muscle").delete()

    output = run("--verbosity", "2")

    assert "New routines: cold-for-a-sore-muscle" in output


def test_a_failure_leaves_nothing_half_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_bulk_create(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Claim.objects, "bulk_create", broken_bulk_create)

    with pytest.raises(RuntimeError):
        run()

    assert Source.objects.count() == 0
    assert Routine.objects.count() == 0


def test_a_reference_to_an_unknown_source_fails_clearly_and_loads_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = dataclasses.replace(ROUTINES[0], sources=("S99",))
    monkeypatch.setattr(loader, "ROUTINES", (broken, *ROUTINES[1:]))

    with pytest.raises(CommandError, match="Routine calf-cramp-relief refers to unknown source"):
        run()

    assert Source.objects.count() == 0
    assert Routine.objects.count() == 0


def test_help_explains_reruns_and_deleted_routines() -> None:
    text = Command().help

    assert "only in fields that still hold the old shipped text" in text
    assert "deleted comes back" in text


def test_load_takes_a_fixed_handful_of_queries(django_assert_max_num_queries: Any) -> None:
    # Bulk inserts: the number of queries does not grow with the number of steps or claims.
    with django_assert_max_num_queries(40):
        load_library()
    with django_assert_max_num_queries(14):
        load_library()
