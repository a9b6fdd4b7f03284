"""Right-sized advice (issue 9, section 3).

- A cramp lasting over 10 minutes is a "get seen today" sign: an urgent appointment, never the
  emergency number, in the same words on every page that mentions it.
- Learn headings never state flat an idea the evidence label does not support.
- `load_library` brings a database loaded from the old library to the corrected wording, once,
  without overwriting staff edits.
"""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from routines.content.library import LEARN_ARTICLES, ROUTINES, load_library
from routines.content.library.revisions import REVISIONS
from routines.content.library.safety import (
    LONG_CRAMP_ADVICE,
    LONG_CRAMP_KEY,
    LONG_CRAMP_RULE,
    NOT_AN_EMERGENCY,
)
from routines.content.models import (
    Claim,
    Disclaimer,
    Evidence,
    LearnArticle,
    LibraryRevision,
    Routine,
    SafetySign,
    Source,
    Step,
    StepKind,
    TriageLevel,
)
from routines.player.models import Run

from .factories import LIBRARY_MODELS
from .helpers.html import links, main_part, main_text, page_text
from .helpers.people import signed_in

#: The database as the library before this correction left it (`load_library` at 599ae98,
#: then `dumpdata content`).
OLD_LIBRARY = Path(__file__).parent / "fixtures" / "library_2026_11.json"
RELIEF = ("calf-cramp-relief", "hamstring-cramp-relief", "foot-cramp-relief")
EMERGENCY_NUMBERS = re.compile(r"\b(999|112|911)\b|emergency number|tel:(999|112|911)")


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("load_library", *args, stdout=out)
    return out.getvalue()


def load_old_library() -> None:
    call_command("loaddata", str(OLD_LIBRARY), verbosity=0)


BLOCK_TAGS = re.compile(r"</?(?:p|li|h[1-6]|button|summary|dd|dt|td|th|label)\b[^>]*>", re.I)


def sentences_about_long_cramps(text: str) -> list[str]:
    """The sentences of `text` (plain text, or HTML read block by block) that speak of a cramp
    over 10 minutes."""
    blocks = [page_text(block) for block in BLOCK_TAGS.split(text)]
    return [
        sentence
        for block in blocks
        for sentence in re.split(r"(?<=[.!?])\s+", block)
        if "10 minutes" in sentence
    ]


def assert_right_sized(text: str) -> None:
    """Every sentence on the page that speaks of a cramp over 10 minutes says "get seen today"
    and offers no emergency number."""
    found = sentences_about_long_cramps(text)
    assert found, "the page does not mention the 10-minute rule"
    for sentence in found:
        assert not EMERGENCY_NUMBERS.search(sentence), sentence
    assert LONG_CRAMP_ADVICE in text


# The heading rule --------------------------------------------------------------------------


def claim(statement: str, verdict: str, evidence: str) -> Claim:
    return Claim(statement=statement, verdict=verdict, evidence=evidence, explanation="Text.")


@pytest.mark.parametrize(
    ("statement", "verdict", "evidence"),
    [
        ("Magnesium tablets cure night cramps", "", Evidence.WEAK),  # a myth stated flat
        ("Statins cause cramps", "", Evidence.MIXED),
        ("Do magnesium tablets help?", "", Evidence.WEAK),  # a question left unanswered
        ("Do magnesium tablets help?", "Yes, for most people", Evidence.WEAK),
        ("Stretching eases a cramp", "Yes", Evidence.SUPPORTED),  # a verdict with no question
    ],
)
def test_heading_rule_rejects_a_heading_that_misleads(
    statement: str, verdict: str, evidence: str
) -> None:
    made = claim(statement, verdict, evidence)

    assert made.heading_problem()
    with pytest.raises(ValidationError) as error:
        made.clean()
    assert "statement" in error.value.message_dict


@pytest.mark.parametrize(
    ("statement", "verdict", "evidence"),
    [
        ("Do magnesium tablets help night cramps?", "Usually not", Evidence.WEAK),
        ("Do statins cause cramps?", "Less often than people think", Evidence.MIXED),
        ("Stretching the cramped muscle eases a cramp", "", Evidence.SUPPORTED),
    ],
)
def test_heading_rule_accepts_a_question_with_its_verdict_or_a_supported_statement(
    statement: str, verdict: str, evidence: str
) -> None:
    assert claim(statement, verdict, evidence).heading_problem() is None


def test_every_shipped_claim_heading_agrees_with_its_label() -> None:
    problems = [
        (article.slug, data.statement, problem)
        for article in LEARN_ARTICLES
        for data in article.claims
        if (problem := claim(data.statement, data.verdict, data.evidence).heading_problem())
    ]
    assert problems == []


def test_the_heading_rule_catches_the_old_library() -> None:
    # The check would have failed on what shipped before: myths as bold flat headings.
    old_claims = [
        row["fields"]
        for row in json.loads(OLD_LIBRARY.read_text())
        if row["model"] == "content.claim"
    ]
    flagged = {
        fields["statement"]
        for fields in old_claims
        if claim(fields["statement"], "", fields["evidence"]).heading_problem()
    }
    assert {"Magnesium tablets cure night cramps", "Statins cause cramps"} <= flagged


#: Phrases that say the data behind a claim are thin: such a claim cannot be labelled Supported.
THIN_DATA = ("data are thin", "few and small", "no evidence", "not been tested", "no trials")


def test_no_supported_claim_says_its_data_are_thin() -> None:
    for article in LEARN_ARTICLES:
        for data in article.claims:
            if data.evidence == Evidence.SUPPORTED:
                text = data.explanation.lower()
                assert not any(phrase in text for phrase in THIN_DATA), data.statement


def test_alcohol_is_labelled_as_weak_as_its_text_says() -> None:
    causes = next(a for a in LEARN_ARTICLES if a.slug == "causes-and-risk-factors")
    alcohol = next(c for c in causes.claims if "alcohol" in c.statement.lower())

    assert alcohol.evidence == Evidence.WEAK
    assert alcohol.statement.endswith("?")
    assert "few and small" in alcohol.explanation


# One wording for the 10-minute rule in the shipped data ---------------------------------------


def test_the_long_cramp_sign_is_a_get_seen_today_sign_with_no_call_to_the_emergency_number() -> (
    None
):
    from routines.content.library.safety import SAFETY_SIGNS, TODAY, TRIAGE_LEVELS

    sign = next(s for s in SAFETY_SIGNS if s.key == LONG_CRAMP_KEY)
    today = next(t for t in TRIAGE_LEVELS if t.slug == TODAY)

    assert sign.level == TODAY
    assert LONG_CRAMP_ADVICE in sign.detail
    assert "urgent appointment" in today.action
    assert not re.search(r"999|112|911", today.call_numbers + today.action + sign.detail)


def test_every_relief_routine_states_the_rule_in_its_notes_and_last_step() -> None:
    for routine in ROUTINES:
        if routine.slug in RELIEF:
            assert LONG_CRAMP_ADVICE in routine.safety_notes, routine.slug
            assert LONG_CRAMP_ADVICE in routine.steps[-1].instruction, routine.slug
        for step in routine.steps:
            assert not EMERGENCY_NUMBERS.search(step.instruction), (routine.slug, step.title)


# The pages -----------------------------------------------------------------------------------


@pytest.fixture
def shipped(db: None) -> None:
    load_library()


def finish_a_relief_run(client: Client, slug: str) -> Run:
    response = client.post(reverse("start_run", args=[slug]), {"safety": "clear"})
    assert response.status_code == 303
    run = Run.objects.get()
    response = client.post(
        reverse("run_control", args=[run.id]), {"action": "end", "phase": 0, "control_id": "end"}
    )
    assert response.status_code == 303
    return run


@pytest.mark.usefixtures("shipped")
def test_safety_check_files_a_long_cramp_under_get_seen_today(client: Client) -> None:
    html = client.get(reverse("safety_check", args=["calf-cramp-relief"])).content.decode()

    today = re.search(r'<section class="check-level check-today".*?</section>', html, re.S)
    emergency = re.search(r'<section class="check-level check-emergency".*?</section>', html, re.S)
    assert today and emergency
    sign = SafetySign.objects.get(key=LONG_CRAMP_KEY)
    assert f'value="{LONG_CRAMP_KEY}"' in today.group(0)
    assert escape(sign.text) in today.group(0)
    assert LONG_CRAMP_KEY not in emergency.group(0)


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("htmx", [False, True])
def test_choosing_the_long_cramp_sign_offers_an_urgent_appointment_not_an_ambulance(
    client: Client, htmx: bool
) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(
        reverse("safety_check", args=["calf-cramp-relief"]),
        {"sign": LONG_CRAMP_KEY},
        headers=headers,
    )

    html = response.content.decode()
    # The page's <main>, or the htmx answer (the outcome alone); the site footer's general
    # "in an emergency" line is not advice about this sign.
    text = page_text(html if htmx else main_part(html))
    assert response.status_code == 200
    assert "Get seen today" in text
    assert "urgent appointment" in text
    assert_right_sized(text)
    assert not EMERGENCY_NUMBERS.search(text)
    calls = [href for href, _ in links(html) if href.startswith("tel:")]
    assert calls == ["tel:111"]
    assert not Run.objects.exists()  # the routine did not start


@pytest.mark.usefixtures("shipped")
def test_help_page_lists_the_long_cramp_under_get_seen_today(client: Client) -> None:
    html = client.get(reverse("get_help")).content.decode()

    today = re.search(r'<section class="triage triage-today".*?</section>', html, re.S)
    emergency = re.search(r'<section class="triage triage-emergency".*?</section>', html, re.S)
    assert today and emergency
    assert "10 minutes" in page_text(today.group(0))
    assert "10 minutes" not in page_text(emergency.group(0))
    # The rule, under the level's action that says how to get seen (said once: the sign
    # leaves out its own copy of how, see SafetySign.detail_under).
    section = page_text(today.group(0))
    level = TriageLevel.objects.get(slug="today")
    assert section.index(level.action) < section.index(f"{LONG_CRAMP_RULE}.")
    for sentence in sentences_about_long_cramps(section):
        assert not EMERGENCY_NUMBERS.search(sentence), sentence
    assert NOT_AN_EMERGENCY in section


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("slug", RELIEF)
def test_relief_routine_safety_box_says_get_seen_today(client: Client, slug: str) -> None:
    html = client.get(reverse("routine_detail", args=[slug])).content.decode()

    safety = re.search(
        r'<section class="callout" aria-labelledby="safety-title">.*?</section>', html, re.S
    )
    assert safety
    assert_right_sized(page_text(safety.group(0)))


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("slug", RELIEF)
def test_last_step_of_a_relief_run_says_get_seen_today(client: Client, slug: str) -> None:
    client.post(reverse("start_run", args=[slug]), {"safety": "clear"})
    run = Run.objects.get()

    last = run.phase_list()[-1]
    assert last.step_kind == StepKind.CHECK
    assert_right_sized(last.instruction)
    for phase in run.phase_list():
        assert not EMERGENCY_NUMBERS.search(phase.instruction), phase.title
    page = client.get(run.get_absolute_url()).content.decode()
    assert escape(LONG_CRAMP_ADVICE) in page or json.dumps(LONG_CRAMP_ADVICE)[1:-1] in page


@pytest.mark.usefixtures("shipped")
def test_summary_says_get_seen_today_in_the_same_words(client: Client) -> None:
    run = finish_a_relief_run(client, "calf-cramp-relief")

    response = client.get(run.get_absolute_url())

    assert_right_sized(main_text(response))


@pytest.mark.usefixtures("shipped")
def test_learn_and_about_pages_say_get_seen_today_in_the_same_words(client: Client) -> None:
    learn = main_text(client.get(reverse("learn_detail", args=["emergencies"])))
    about = main_text(client.get(reverse("about")))

    assert "A cramp that lasts more than 10 minutes: get seen today" in learn
    assert_right_sized(learn)
    assert_right_sized(about)


@pytest.mark.usefixtures("shipped")
def test_no_page_offers_an_emergency_number_for_a_long_cramp(client: Client) -> None:
    # Every public page that mentions the 10-minute rule, read sentence by sentence.
    run = finish_a_relief_run(client, "calf-cramp-relief")
    urls = [
        reverse("home"),
        reverse("get_help"),
        reverse("about"),
        reverse("learn_list"),
        run.get_absolute_url(),
        *(a.get_absolute_url() for a in LearnArticle.objects.all()),
        *(r.get_absolute_url() for r in Routine.objects.all()),
        *(reverse("safety_check", args=[slug]) for slug in RELIEF),
    ]
    mentioned = 0
    for url in urls:
        html = main_part(client.get(url).content.decode())
        for sentence in sentences_about_long_cramps(html):
            mentioned += 1
            assert not EMERGENCY_NUMBERS.search(sentence), (url, sentence)
    assert mentioned >= 8


# Learn pages ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("shipped")
def test_learn_headings_carry_their_verdict(client: Client) -> None:
    html = client.get(reverse("learn_detail", args=["cramp-myths"])).content.decode()

    headings = [page_text(h) for h in re.findall(r'<h2 class="claim-heading">.*?</h2>', html, re.S)]
    assert "Do magnesium tablets help night cramps? Usually not" in headings
    assert not any("cure" in heading for heading in headings)


@pytest.mark.usefixtures("shipped")
def test_every_claim_in_the_database_agrees_with_its_label() -> None:
    for row in Claim.objects.all():
        row.full_clean()


@pytest.mark.usefixtures("shipped")
@pytest.mark.parametrize("htmx", [False, True])
def test_easing_a_cramp_starts_each_relief_routine_in_one_tap(client: Client, htmx: bool) -> None:
    Routine.objects.filter(slug="calf-massage").update(published=False)
    headers = {"HX-Request": "true", "HX-Boosted": "true"} if htmx else {}

    html = client.get(
        reverse("learn_detail", args=["easing-a-cramp"]), headers=headers
    ).content.decode()

    offered = [href for href, _ in links(html) if href.endswith("/check/")]
    expected = [
        reverse("safety_check", args=[slug])
        for slug in Routine.objects.published()
        .filter(situations__slug="cramp-now")
        .order_by("order")
        .values_list("slug", flat=True)
    ]
    assert offered == expected
    assert reverse("safety_check", args=["calf-massage"]) not in offered
    assert len(offered) == 3
    # The tap lands on the safety check, whose one tap starts the routine.
    check = client.get(offered[0])
    assert "None of these: start" in main_text(check)


@pytest.mark.usefixtures("shipped")
def test_a_learn_page_without_a_situation_offers_no_routines(client: Client) -> None:
    html = client.get(reverse("learn_detail", args=["cramp-myths"])).content.decode()

    assert "Start a routine now" not in html
    assert LearnArticle.objects.get(slug="cramp-myths").offered_routines().count() == 0


# Bringing an existing database up to date ----------------------------------------------------


@pytest.mark.django_db
def test_old_library_gets_the_new_wording_and_keeps_staff_edits() -> None:
    load_old_library()
    old_sign = SafetySign.objects.get(key=LONG_CRAMP_KEY)
    assert old_sign.level.slug == "emergency"  # the fixture is the old library
    # Staff edits: another field of the sign being corrected, a different sign, a claim's
    # heading, a line added to a routine's notes, one routine's last step.
    SafetySign.objects.filter(key=LONG_CRAMP_KEY).update(text="Cramp for over ten minutes")
    SafetySign.objects.filter(key="blood-clot-in-leg").update(detail="Our clinic's own words.")
    Claim.objects.filter(article__slug="medicines-that-can-cause-cramps", order=2).update(
        statement="Statins and muscle aches"
    )
    calf = Routine.objects.get(slug="calf-cramp-relief")
    calf.safety_notes += "\nAsk us if unsure."
    calf.save()
    Step.objects.filter(routine__slug="hamstring-cramp-relief", kind=StepKind.CHECK).update(
        instruction="Our own last step."
    )

    output = run_command("--verbosity", "2")

    sign = SafetySign.objects.get(key=LONG_CRAMP_KEY)
    assert sign.level.slug == "today"
    assert LONG_CRAMP_ADVICE in sign.detail
    assert sign.text == "Cramp for over ten minutes"  # staff edit kept
    assert SafetySign.objects.get(key="blood-clot-in-leg").detail == "Our clinic's own words."
    assert "urgent appointment" in TriageLevel.objects.get(slug="today").action
    assert LONG_CRAMP_ADVICE in Disclaimer.objects.get(key="emergency-signs").text
    # The routine's notes: the old line swapped, the staff line kept.
    calf.refresh_from_db()
    assert calf.safety_note_lines()[-2:] == [LONG_CRAMP_ADVICE, "Ask us if unsure."]
    assert "emergency number" not in calf.safety_notes
    calf_last = Step.objects.get(routine__slug="calf-cramp-relief", kind=StepKind.CHECK)
    assert LONG_CRAMP_ADVICE in calf_last.instruction
    assert (
        Step.objects.get(routine__slug="hamstring-cramp-relief", kind=StepKind.CHECK).instruction
        == "Our own last step."
    )
    # Learn: every claim staff did not touch now matches the library, heading and label.
    statins = Claim.objects.get(article__slug="medicines-that-can-cause-cramps", order=2)
    assert (statins.statement, statins.verdict) == ("Statins and muscle aches", "")
    for article in LEARN_ARTICLES:
        row = LearnArticle.objects.get(slug=article.slug)
        assert (row.title, row.summary, row.intro) == (
            article.title,
            article.summary,
            article.intro,
        )
        for order, data in enumerate(article.claims, start=1):
            loaded = Claim.objects.get(article=row, order=order)
            if loaded.pk == statins.pk:
                continue
            assert (loaded.statement, loaded.verdict, loaded.evidence, loaded.explanation) == (
                data.statement,
                data.verdict,
                data.evidence,
                data.explanation,
            )
    assert LearnArticle.objects.get(slug="easing-a-cramp").situation.slug == "cramp-now"
    # Reported, with what was left for a person to review.
    assert "Correction 2026-12-long-cramp-get-seen-today: updated" in output
    assert "kept 2 that staff had edited" in output
    assert "(edited by staff): claim medicines-that-can-cause-cramps, 2" in output
    assert "(edited by staff): step hamstring-cramp-relief" in output
    revision = LibraryRevision.objects.get(name="2026-12-long-cramp-get-seen-today")
    assert (revision.kept, revision.updated > 30) == (2, True)
    # The later correction of the clot sign's detail leaves the staff's words too.
    clot = LibraryRevision.objects.get(name="2026-12-clot-said-once")
    assert (clot.kept, clot.updated) == (1, 0)
    assert "(edited by staff): safety sign blood-clot-in-leg (detail)" in output


@pytest.mark.django_db
def test_correction_runs_once_and_a_later_staff_choice_stays() -> None:
    load_old_library()
    run_command()
    # Staff decide, after the correction, to put the sign back where it was.
    emergency = TriageLevel.objects.get(slug="emergency")
    SafetySign.objects.filter(key=LONG_CRAMP_KEY).update(level=emergency)

    output = run_command()

    assert SafetySign.objects.get(key=LONG_CRAMP_KEY).level == emergency
    assert "Correction" not in output
    assert LibraryRevision.objects.count() == len(REVISIONS)


@pytest.mark.django_db
def test_fresh_database_records_the_corrections_without_running_them(
    django_assert_max_num_queries: Any,
) -> None:
    output = run_command()

    assert "Correction" not in output
    assert list(LibraryRevision.objects.values_list("name", "updated", "kept")) == [
        (revision.name, 0, 0) for revision in REVISIONS
    ]
    assert SafetySign.objects.get(key=LONG_CRAMP_KEY).level.slug == "today"
    with django_assert_max_num_queries(15):
        load_library()


@pytest.mark.django_db
def test_upgraded_old_library_matches_a_fresh_load_field_for_field() -> None:
    def snapshot() -> dict[str, list[tuple[Any, ...]]]:
        return {
            "signs": list(
                SafetySign.objects.order_by("key").values_list(
                    "key", "level__slug", "text", "detail", "order"
                )
            ),
            "levels": list(
                TriageLevel.objects.order_by("slug").values_list(
                    "slug", "title", "action", "call_numbers"
                )
            ),
            "claims": list(
                Claim.objects.order_by("article__slug", "order").values_list(
                    "article__slug", "order", "statement", "verdict", "evidence", "explanation"
                )
            ),
            "articles": list(
                LearnArticle.objects.order_by("slug").values_list(
                    "slug", "title", "summary", "intro", "situation__slug"
                )
            ),
            "routines": list(Routine.objects.order_by("slug").values_list("slug", "safety_notes")),
            "steps": list(
                Step.objects.order_by("routine__slug", "order").values_list(
                    "routine__slug", "order", "instruction"
                )
            ),
            "disclaimers": list(Disclaimer.objects.order_by("key").values_list("key", "text")),
        }

    run_command()
    fresh = snapshot()
    # Start again from the old library (its rows keep their own primary keys).
    for model in (*reversed(LIBRARY_MODELS), LibraryRevision):
        model.objects.all().delete()
    load_old_library()
    run_command()

    assert snapshot() == fresh


# The admin: staff cannot save a heading that misleads -----------------------------------------


@pytest.fixture
def editor_client(db: None) -> Client:
    user = User.objects.create_user("editor", "editor@example.com", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Content editors"))
    return signed_in(user)


def article_form(statement: str, verdict: str, evidence: str, source: Source) -> dict[str, Any]:
    return {
        "title": "Magnesium",
        "slug": "magnesium",
        "summary": "What the trials found.",
        "intro": "",
        "situation": "",
        "order": "0",
        "claims-TOTAL_FORMS": "1",
        "claims-INITIAL_FORMS": "0",
        "claims-MIN_NUM_FORMS": "0",
        "claims-MAX_NUM_FORMS": "1000",
        "claims-0-id": "",
        "claims-0-order": "1",
        "claims-0-statement": statement,
        "claims-0-verdict": verdict,
        "claims-0-explanation": "A careful review found little benefit in older adults.",
        "claims-0-evidence": evidence,
        "claims-0-sources": [str(source.pk)],
    }


def test_admin_refuses_a_myth_stated_flat_and_saves_nothing(editor_client: Client) -> None:
    source = Source.objects.create(code="S9", title="Cochrane: magnesium for cramps")

    response = editor_client.post(
        reverse("admin:content_learnarticle_add"),
        article_form("Magnesium tablets cure night cramps", "", Evidence.WEAK, source),
    )

    assert response.status_code == 200
    assert "ask the heading as a question" in response.content.decode()
    assert not LearnArticle.objects.exists()
    assert not Claim.objects.exists()


def test_admin_saves_a_question_with_its_verdict(editor_client: Client) -> None:
    source = Source.objects.create(code="S9", title="Cochrane: magnesium for cramps")

    response = editor_client.post(
        reverse("admin:content_learnarticle_add"),
        article_form("Do magnesium tablets help?", "Usually not", Evidence.WEAK, source),
    )

    assert response.status_code == 302
    saved = Claim.objects.get()
    assert (saved.statement, saved.verdict, saved.evidence) == (
        "Do magnesium tablets help?",
        "Usually not",
        Evidence.WEAK,
    )
