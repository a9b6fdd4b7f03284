"""The public pages: what a guest (or a signed-in user) sees and can do on each of them."""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from routines.content.models import (
    Disclaimer,
    Evidence,
    LearnArticle,
    Purpose,
    Routine,
    SafetySign,
    Side,
    Source,
    TriageLevel,
)

from .factories import (
    make_article,
    make_disclaimer,
    make_routine,
    make_sign,
    make_source,
    make_triage_level,
)
from .helpers.html import NOT_FOUND, hrefs, links, main_part, main_text, page_text, parse
from .helpers.people import make_user

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


# Reading pages ------------------------------------------------------------------------------


def checked_radio(html: str, name: str) -> list[str | None]:
    return [i.get("value") for i in parse(html).inputs if i.get("name") == name and "checked" in i]


def in_order(text: str, *parts: str) -> bool:
    positions = [text.find(part) for part in parts]
    return -1 not in positions and positions == sorted(positions)


# Content ------------------------------------------------------------------------------------


@dataclass
class Library:
    calf_relief: Routine
    later_calf_relief: Routine
    hamstring_relief: Routine
    draft_foot_relief: Routine
    cold_pack: Routine
    bedtime: Routine
    desk: Routine
    draft_warm_up: Routine
    source: Source


@pytest.fixture
def library() -> Library:
    source = make_source("A review of night cramps", url="https://example.org/night-cramps")
    return Library(
        calf_relief=make_routine(
            "Calf cramp relief",
            purpose=Purpose.RELIEF,
            situations=["cramp-now"],
            areas=["calf"],
            steps=[{"duration_seconds": 30, "side": Side.EACH}],  # 60 s: "1 min"
            order=1,
        ),
        later_calf_relief=make_routine(
            "Second calf relief",
            purpose=Purpose.RELIEF,
            situations=["cramp-now"],
            areas=["calf"],
            order=5,
        ),
        hamstring_relief=make_routine(
            "Hamstring cramp relief",
            purpose=Purpose.RELIEF,
            situations=["cramp-now"],
            areas=["hamstring"],
            steps=[{"duration_seconds": 180}],  # "3 min"
            order=2,
        ),
        draft_foot_relief=make_routine(
            "Foot cramp relief draft",
            purpose=Purpose.RELIEF,
            situations=["cramp-now"],
            areas=["foot"],
            published=False,
        ),
        cold_pack=make_routine(
            "Cold pack afterwards",
            purpose=Purpose.RELIEF,
            situations=["exercise"],
            areas=["thigh"],
        ),
        bedtime=make_routine(
            "Bedtime calf stretch",
            purpose=Purpose.PREVENTION,
            situations=["bedtime"],
            areas=["calf", "hamstring"],
            # 60 x 2 + 30 rest + 30 reps x 3 s = 240 s: "4 min"
            steps=[
                {"duration_seconds": 60, "side": Side.EACH, "rest_after_seconds": 30},
                {"reps": 30},
            ],
            sources=[source],
        ),
        desk=make_routine(
            "Desk break",
            purpose=Purpose.PREVENTION,
            situations=["desk"],
            areas=["calf"],
            steps=[{"duration_seconds": 120}],  # "2 min"
        ),
        draft_warm_up=make_routine(
            "Warm-up draft",
            purpose=Purpose.PREVENTION,
            situations=["bedtime", "exercise"],
            areas=["calf", "thigh"],
            published=False,
        ),
        source=source,
    )


def get(client: Client, url: str, htmx: bool = False, **extra: str) -> HttpResponse:
    return client.get(url, **(HTMX if htmx else {}), **extra)


# Home ---------------------------------------------------------------------------------------


def check_url(routine: Routine) -> str:
    """Where a "Cramp now" button leads: the routine's safety check, which then starts it."""
    return reverse("safety_check", args=[routine.slug])


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_home_offers_one_relief_routine_per_area(
    client: Client, library: Library, htmx: bool
) -> None:
    response = get(client, reverse("home"), htmx)
    assert response.status_code == 200
    main = main_part(response.content.decode())
    found = links(main)
    calf = [text for href, text in found if href == check_url(library.calf_relief)]
    hamstring = [text for href, text in found if href == check_url(library.hamstring_relief)]
    assert calf and "Calf" in calf[0]
    assert hamstring and "Hamstring" in hamstring[0]


def test_home_cramp_buttons_lead_to_the_safety_check_not_the_routine_page(
    client: Client, library: Library
) -> None:
    main = main_part(client.get(reverse("home")).content.decode())
    section = re.search(r'<section class="cramp-now".*?</section>', main, flags=re.S)
    assert section
    assert sorted(hrefs(section.group(0))) == sorted(
        [check_url(library.calf_relief), check_url(library.hamstring_relief), reverse("get_help")]
    )
    response = client.get(check_url(library.calf_relief))
    assert response.status_code == 200
    assert "Calf cramp relief" in page_text(response.content.decode())


def test_home_cramp_buttons_show_the_routine_time(client: Client, library: Library) -> None:
    main = main_part(client.get(reverse("home")).content.decode())
    (button,) = [t for h, t in links(main) if h == check_url(library.hamstring_relief)]
    assert "3 min" in button


def test_home_first_relief_routine_in_library_order_wins(client: Client, library: Library) -> None:
    main = main_part(client.get(reverse("home")).content.decode())
    assert check_url(library.calf_relief) in hrefs(main)
    assert check_url(library.later_calf_relief) not in hrefs(main)
    assert library.later_calf_relief.get_absolute_url() not in hrefs(main)


def test_home_leaves_out_unpublished_and_not_cramp_now_routines(
    client: Client, library: Library
) -> None:
    html = client.get(reverse("home")).content.decode()
    for routine in (library.draft_foot_relief, library.cold_pack, library.draft_warm_up):
        assert routine.get_absolute_url() not in hrefs(html)
        assert check_url(routine) not in hrefs(html)
        assert routine.title not in page_text(html)
    assert not [text for _, text in links(main_part(html)) if "Foot" in text]


def test_home_lists_prevention_routines_with_their_time(client: Client, library: Library) -> None:
    main = main_part(client.get(reverse("home")).content.decode())
    found = dict(links(main))
    assert "Bedtime calf stretch" in found[library.bedtime.get_absolute_url()]
    assert "4 min" in found[library.bedtime.get_absolute_url()]
    assert "2 min" in found[library.desk.get_absolute_url()]
    # Relief routines are the buttons (to their safety check), not entries of the prevention
    # list.
    assert hrefs(main).count(check_url(library.calf_relief)) == 1
    assert library.calf_relief.get_absolute_url() not in hrefs(main)


def test_home_links_to_learn_and_when_to_get_help(client: Client, library: Library) -> None:
    main = main_part(client.get(reverse("home")).content.decode())
    assert reverse("learn_list") in hrefs(main)
    assert reverse("get_help") in hrefs(main)
    assert reverse("routine_list") in hrefs(main)


def test_home_without_content_still_points_to_help(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("get_help") in hrefs(main_part(response.content.decode()))


# Library ------------------------------------------------------------------------------------

PUBLISHED = ("calf_relief", "later_calf_relief", "hamstring_relief", "cold_pack", "bedtime", "desk")


def titles_listed(html: str, library: Library) -> set[str]:
    text = page_text(html)
    return {
        name
        for name in (*PUBLISHED, "draft_foot_relief", "draft_warm_up")
        if getattr(library, name).title in text
    }


def test_library_lists_published_routines_only(client: Client, library: Library) -> None:
    html = client.get(reverse("routine_list")).content.decode()
    assert titles_listed(html, library) == set(PUBLISHED)
    assert library.draft_warm_up.get_absolute_url() not in hrefs(html)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("situation=bedtime", {"bedtime"}),
        ("situation=cramp-now", {"calf_relief", "later_calf_relief", "hamstring_relief"}),
        ("area=calf", {"calf_relief", "later_calf_relief", "bedtime", "desk"}),
        ("area=hamstring", {"hamstring_relief", "bedtime"}),
        ("situation=cramp-now&area=calf", {"calf_relief", "later_calf_relief"}),
        ("situation=desk&area=hamstring", set()),
        ("situation=&area=", set(PUBLISHED)),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_library_filters(
    client: Client, library: Library, query: str, expected: set[str], htmx: bool
) -> None:
    response = get(client, f"{reverse('routine_list')}?{query}", htmx)
    assert response.status_code == 200
    assert titles_listed(response.content.decode(), library) == expected


def test_library_keeps_the_chosen_filters_checked(client: Client, library: Library) -> None:
    html = client.get(f"{reverse('routine_list')}?situation=bedtime&area=calf").content.decode()
    assert checked_radio(html, "situation") == ["bedtime"]
    assert checked_radio(html, "area") == ["calf"]


def test_library_without_filters_checks_any(client: Client, library: Library) -> None:
    html = client.get(reverse("routine_list")).content.decode()
    assert checked_radio(html, "situation") == [""]
    assert checked_radio(html, "area") == [""]


def test_library_offers_every_situation_and_area_as_a_filter(
    client: Client, library: Library
) -> None:
    inputs = parse(client.get(reverse("routine_list")).content.decode()).inputs
    offered = {(i.get("name"), i.get("value")) for i in inputs if i.get("type") == "radio"}
    assert {("situation", s) for s in ("cramp-now", "bedtime", "desk", "exercise")} <= offered
    assert {("area", a) for a in ("calf", "hamstring", "foot", "thigh")} <= offered


def test_library_filter_form_works_without_javascript(client: Client, library: Library) -> None:
    forms = parse(client.get(reverse("routine_list")).content.decode()).forms
    (form,) = [f for f in forms if f.get("action") == reverse("routine_list")]
    assert (form.get("method") or "get").lower() == "get"


def test_library_htmx_request_returns_only_the_results(client: Client, library: Library) -> None:
    html = client.get(f"{reverse('routine_list')}?area=hamstring", **HTMX).content.decode()
    assert 'id="results"' in html
    assert "<html" not in html
    assert "<header" not in html
    assert "<form" not in html
    assert titles_listed(html, library) == {"hamstring_relief", "bedtime"}


def test_library_boosted_htmx_request_gets_the_whole_page(client: Client, library: Library) -> None:
    html = client.get(
        reverse("routine_list"), HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true"
    ).content.decode()
    assert "<html" in html
    assert 'id="results"' in html


def test_library_plain_request_returns_the_whole_page(client: Client, library: Library) -> None:
    html = client.get(f"{reverse('routine_list')}?area=hamstring").content.decode()
    assert "<html" in html
    assert "<header" in html
    assert 'id="results"' in html


def test_library_entry_shows_title_time_and_body_area(client: Client, library: Library) -> None:
    # The htmx partial holds only the results, so the area name can only come from the entry.
    html = client.get(f"{reverse('routine_list')}?situation=desk", **HTMX).content.decode()
    (entry,) = [t for h, t in links(html) if h == library.desk.get_absolute_url()]
    assert "Desk break" in entry
    assert "2 min" in entry
    assert "Calf" in entry


def test_library_entry_shows_every_body_area(client: Client, library: Library) -> None:
    html = client.get(f"{reverse('routine_list')}?situation=bedtime", **HTMX).content.decode()
    (entry,) = [t for h, t in links(html) if h == library.bedtime.get_absolute_url()]
    assert "Calf" in entry
    assert "Hamstring" in entry
    assert "4 min" in entry


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("situation=nope", ["nope"]),
        ("area=%3Cscript%3E", ["<script>"]),
        ("situation=nope&area=elbow", ["nope", "elbow"]),
        ("situation=bedtime&area=elbow", ["elbow"]),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_library_bad_filter_is_refused_naming_the_value(
    client: Client, library: Library, query: str, named: list[str], htmx: bool
) -> None:
    response = get(client, f"{reverse('routine_list')}?{query}", htmx)
    assert response.status_code == 400
    html = response.content.decode()
    text = page_text(html)
    for value in named:
        assert value in text
    assert titles_listed(html, library) == set()
    assert reverse("routine_list") in hrefs(html), "offers a way back to all routines"


def test_library_bad_filter_value_is_escaped(client: Client, library: Library) -> None:
    html = client.get(f"{reverse('routine_list')}?area=%3Cscript%3Ealert(1)").content.decode()
    assert "&lt;script&gt;alert(1)" in html
    assert "<script>alert(1)" not in html


# Routine page -------------------------------------------------------------------------------


@pytest.fixture
def calf_routine() -> Routine:
    source = make_source("Stretching for night cramps", url="https://example.org/stretch-trial")
    plain_source = make_source("Clinic leaflet on cramps", url="")
    # Created out of order: the page must follow `order`, not insertion.
    return make_routine(
        "Calf cramp relief",
        purpose=Purpose.RELIEF,
        situations=["cramp-now"],
        areas=["calf"],
        safety_notes="Stop if the pain gets sharper.\n\nSkip this if the leg is swollen.",
        evidence=Evidence.SUPPORTED,
        evidence_note="Most guidance agrees that stretching the muscle eases a cramp.",
        sources=[source, plain_source],
        steps=[
            {"title": "Heel raises", "reps": 15, "order": 2},
            {"title": "Sit with the leg straight", "duration_seconds": 5, "order": 0},
            {"title": "Rub the calf", "duration_seconds": 60, "order": 3},
            {
                "title": "Pull the toes towards you",
                "duration_seconds": 30,
                "side": Side.EACH,
                "rest_after_seconds": 10,
                "order": 1,
            },
        ],
    )


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_routine_page_lists_steps_in_order_with_amounts(
    client: Client, calf_routine: Routine, htmx: bool
) -> None:
    response = get(client, calf_routine.get_absolute_url(), htmx)
    assert response.status_code == 200
    text = main_text(response)
    assert in_order(
        text,
        "Sit with the leg straight 5 s",
        "Pull the toes towards you 30 s Left, then right",
        "rest 10 s",
        "Heel raises 15 reps",
        "Rub the calf 1 min",
    )


def test_routine_page_shows_total_time(client: Client, calf_routine: Routine) -> None:
    # 5 + 30 x 2 + 10 rest + 15 reps x 3 s + 60 = 180 s
    text = main_text(client.get(calf_routine.get_absolute_url()))
    assert "Time About 3 min" in text


def test_routine_page_shows_one_sided_steps(client: Client) -> None:
    routine = make_routine(
        "Left leg only", steps=[{"title": "Lean on the wall", "side": Side.LEFT}]
    )
    text = main_text(client.get(routine.get_absolute_url()))
    assert "Left side" in text
    assert "Left, then right" not in text


def test_routine_page_shows_each_safety_note(client: Client, calf_routine: Routine) -> None:
    text = page_text(client.get(calf_routine.get_absolute_url()).content.decode())
    assert "Stop if the pain gets sharper." in text
    assert "Skip this if the leg is swollen." in text


def test_relief_routine_page_points_to_warning_signs(client: Client, calf_routine: Routine) -> None:
    main = main_part(client.get(calf_routine.get_absolute_url()).content.decode())
    assert reverse("get_help") in hrefs(main)


def test_routine_page_shows_evidence_and_linked_sources(
    client: Client, calf_routine: Routine
) -> None:
    main = main_part(client.get(calf_routine.get_absolute_url()).content.decode())
    text = page_text(main)
    assert "Supported" in text
    assert "Most guidance agrees that stretching the muscle eases a cramp." in text
    assert ("https://example.org/stretch-trial", "Stretching for night cramps") in links(main)
    assert "Clinic leaflet on cramps" in text  # a source without a link is still named


def test_routine_page_shows_situation_and_area(client: Client, calf_routine: Routine) -> None:
    text = main_text(client.get(calf_routine.get_absolute_url()))
    assert "Cramp now" in text
    assert "Calf" in text


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_unknown_routine_is_not_found(client: Client, htmx: bool) -> None:
    response = get(client, reverse("routine_detail", args=["no-such-routine"]), htmx)
    assert response.status_code == 404
    assert NOT_FOUND in main_text(response)


def test_unpublished_routine_is_not_found(client: Client, library: Library) -> None:
    response = client.get(library.draft_warm_up.get_absolute_url())
    assert response.status_code == 404
    assert library.draft_warm_up.title not in page_text(response.content.decode())


def test_routine_page_shows_edits_made_in_the_database(
    client: Client, calf_routine: Routine
) -> None:
    step = calf_routine.steps.get(title="Rub the calf")
    step.duration_seconds = 90
    step.save()
    text = main_text(client.get(calf_routine.get_absolute_url()))
    assert "Rub the calf 1 min 30 s" in text
    assert "Time About 4 min" in text  # 3 min 30 s: half a minute rounds up


# Learn --------------------------------------------------------------------------------------


@pytest.fixture
def causes() -> LearnArticle:
    review = make_source("Cramps in older adults", url="https://example.org/older-adults")
    trial = make_source("Magnesium trial", url="https://example.org/magnesium")
    return make_article(
        "What causes leg cramps",
        summary="Why muscles cramp, as far as anyone knows.",
        intro="Nobody knows the whole answer yet.",
        claims=[
            {
                "statement": "Age makes cramps more likely",
                "explanation": "About a third of people over sixty get them.",
                "evidence": Evidence.SUPPORTED,
                "sources": [review],
            },
            {
                "statement": "Magnesium rarely helps",
                "explanation": "Trials in older adults found no benefit for usual cramps.",
                "evidence": Evidence.WEAK,
                "sources": [trial, review],
            },
        ],
    )


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_learn_list_shows_published_pages_only(
    client: Client, causes: LearnArticle, htmx: bool
) -> None:
    draft = make_article("Myths draft", published=False)
    response = get(client, reverse("learn_list"), htmx)
    assert response.status_code == 200
    main = main_part(response.content.decode())
    (entry,) = [t for h, t in links(main) if h == causes.get_absolute_url()]
    assert "What causes leg cramps" in entry
    assert "Why muscles cramp, as far as anyone knows." in entry
    assert draft.get_absolute_url() not in hrefs(main)
    assert "Myths draft" not in page_text(main)


def test_learn_list_follows_the_chosen_order(client: Client) -> None:
    make_article("Zebra topic first", order=0)
    make_article("Alpha topic second", order=1)
    text = main_text(client.get(reverse("learn_list")))
    assert in_order(text, "Zebra topic first", "Alpha topic second")


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_learn_page_shows_claims_with_evidence_and_sources(
    client: Client, causes: LearnArticle, htmx: bool
) -> None:
    response = get(client, causes.get_absolute_url(), htmx)
    assert response.status_code == 200
    main = main_part(response.content.decode())
    text = page_text(main)
    assert "Nobody knows the whole answer yet." in text
    assert in_order(
        text,
        # the evidence label comes before the explanation, so nobody reads a weak claim as fact
        "Age makes cramps more likely",
        "Supported",
        "About a third of people over sixty get them.",
        "Cramps in older adults",
        "Magnesium rarely helps",
        "Weak",
        "Trials in older adults found no benefit",
        "Magnesium trial",
    )
    assert ("https://example.org/magnesium", "Magnesium trial") in links(main)
    assert links(main).count(("https://example.org/older-adults", "Cramps in older adults")) == 2


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_unknown_learn_page_is_not_found(client: Client, htmx: bool) -> None:
    response = get(client, reverse("learn_detail", args=["no-such-page"]), htmx)
    assert response.status_code == 404
    assert NOT_FOUND in main_text(response)


def test_unpublished_learn_page_is_not_found(client: Client) -> None:
    draft = make_article("Myths draft", published=False)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 404
    assert NOT_FOUND in main_text(response)
    assert "Myths draft" not in response.content.decode()


# When to get help ---------------------------------------------------------------------------


@pytest.fixture
def triage() -> list[TriageLevel]:
    source = make_source("Blood clot guidance", url="https://example.org/dvt")
    # Created in the wrong order on purpose: the page follows `order`.
    soon = make_triage_level(
        "See a doctor soon", slug="soon", action="Book an appointment.", order=3
    )
    emergency = make_triage_level(
        "Call for an ambulance now", slug="emergency", action="Phone 999 or 112.", order=1
    )
    today = make_triage_level(
        "Get seen today", slug="today", action="Do not stretch. Ask for help today.", order=2
    )
    make_sign(soon, "Cramps keep waking you every week.", order=1)
    make_sign(soon, "Your calf hurts when you walk and eases when you stop.", order=0)
    make_sign(emergency, "Sudden chest pain or breathlessness.", order=0)
    make_sign(
        today,
        "One leg is swollen, warm and red.",
        detail="It may be a clot: do not rub it.",
        sources=[source],
    )
    return [emergency, today, soon]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_help_lists_levels_in_order_with_their_signs(
    client: Client, triage: list[TriageLevel], htmx: bool
) -> None:
    response = get(client, reverse("get_help"), htmx)
    assert response.status_code == 200
    text = main_text(response)
    assert in_order(
        text,
        "Call for an ambulance now",
        "Phone 999 or 112.",
        "Sudden chest pain or breathlessness.",
        "Get seen today",
        "Do not stretch. Ask for help today.",
        "One leg is swollen, warm and red.",
        "It may be a clot: do not rub it.",
        "See a doctor soon",
        "Your calf hurts when you walk and eases when you stop.",
        "Cramps keep waking you every week.",
    )


def test_help_links_the_sources_of_a_sign(client: Client, triage: list[TriageLevel]) -> None:
    main = main_part(client.get(reverse("get_help")).content.decode())
    assert ("https://example.org/dvt", "Blood clot guidance") in links(main)


def test_help_shows_edits_made_in_the_database(client: Client, triage: list[TriageLevel]) -> None:
    sign = SafetySign.objects.get(text="Sudden chest pain or breathlessness.")
    sign.text = "Coughing up blood, or fainting."
    sign.save()
    TriageLevel.objects.filter(slug="soon").update(title="Book a doctor's visit")
    text = main_text(client.get(reverse("get_help")))
    assert "Coughing up blood, or fainting." in text
    assert "Sudden chest pain" not in text
    assert "Book a doctor's visit" in text
    assert "See a doctor soon" not in text


def test_help_without_triage_content_still_says_to_call_for_help(client: Client) -> None:
    text = main_text(client.get(reverse("get_help")))
    assert "emergency" in text.lower()


# About --------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_about_shows_the_disclaimers_in_order(client: Client, htmx: bool) -> None:
    make_disclaimer("Ask before changing medicines", "Talk to whoever prescribed it.", order=2)
    make_disclaimer("Education only", "This app cannot diagnose you.", order=1)
    response = get(client, reverse("about"), htmx)
    assert response.status_code == 200
    text = main_text(response)
    assert in_order(
        text,
        "Education only",
        "This app cannot diagnose you.",
        "Ask before changing medicines",
        "Talk to whoever prescribed it.",
    )


def test_about_shows_edits_made_in_the_database(client: Client) -> None:
    make_disclaimer("Education only", "This app cannot diagnose you.", key="education")
    Disclaimer.objects.filter(key="education").update(text="Unknot is not a doctor.")
    text = main_text(client.get(reverse("about")))
    assert "Unknot is not a doctor." in text
    assert "This app cannot diagnose you." not in text


def test_about_links_the_sources_of_a_disclaimer(client: Client) -> None:
    source = make_source("Magnesium review", url="https://example.org/mg")
    make_disclaimer("Magnesium", "It is unlikely to help night cramps.", sources=[source])
    main = main_part(client.get(reverse("about")).content.decode())
    assert ("https://example.org/mg", "Magnesium review") in links(main)


# Not found ----------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_unknown_url_is_not_found(client: Client, htmx: bool) -> None:
    response = get(client, "/no/such/page/", htmx)
    assert response.status_code == 404
    assert NOT_FOUND in main_text(response)


# Security headers and markup ----------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def every_page(library: Library) -> list[tuple[str, dict[str, str]]]:
    article = make_article("Causes", claims=[{"statement": "Age matters"}])
    level = make_triage_level("Call now", order=0)
    make_sign(level, "Chest pain.")
    make_disclaimer()
    return [
        (reverse("home"), {}),
        (reverse("routine_list"), {}),
        (reverse("routine_list") + "?situation=bedtime", HTMX),
        (reverse("routine_list") + "?area=%3Cscript%3E", {}),
        (library.bedtime.get_absolute_url(), {}),
        (library.calf_relief.get_absolute_url(), {}),
        (reverse("learn_list"), {}),
        (article.get_absolute_url(), {}),
        (reverse("get_help"), {}),
        (reverse("about"), {}),
        ("/no/such/page/", {}),
    ]


def test_every_page_has_a_strict_content_security_policy(client: Client, library: Library) -> None:
    for url, extra in every_page(library):
        response = client.get(url, **extra)
        header = response.headers.get("Content-Security-Policy")
        assert header, f"{url} has no Content-Security-Policy"
        directives = csp_directives(header)
        for name in ("script-src", "style-src"):
            sources = directives.get(name, directives.get("default-src"))
            assert sources, f"{url}: no {name}"
            assert "'unsafe-inline'" not in sources, f"{url}: {name} allows inline code"
            assert "'unsafe-eval'" not in sources, f"{url}: {name} allows eval"
        assert directives.get("object-src") == ["'none'"], url
        assert directives.get("frame-ancestors") == ["'none'"], url


def test_no_page_has_inline_scripts_or_styles(client: Client, library: Library) -> None:
    for url, extra in every_page(library):
        html = client.get(url, **extra).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html, flags=re.I):
            assert re.search(r"\ssrc=", tag), f"{url}: inline script {tag}"
        for body in re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S | re.I):
            assert not body.strip(), f"{url}: script with a body"
        assert " style=" not in html, f"{url}: inline style attribute"
        assert "<style" not in html, f"{url}: inline style element"
        assert not re.search(r"\son[a-z]+=", html), f"{url}: inline event handler"


def test_pages_carry_the_usual_security_headers(client: Client, library: Library) -> None:
    response = client.get(reverse("home"))
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def csrf_from_hx_headers(html: str) -> str:
    match = re.search(r"<body\b[^>]*\bhx-headers='([^']*)'", html)
    assert match, "the body has no hx-headers"
    headers = htmllib.unescape(match.group(1))
    token = re.search(r'"X-CSRFToken":\s*"([^"]+)"', headers)
    assert token, f"hx-headers has no CSRF token: {headers}"
    return token.group(1)


@pytest.fixture
def member() -> object:
    return make_user("sam")


def test_body_sends_the_csrf_token_with_htmx_requests_of_a_signed_in_user(
    client: Client, member: object
) -> None:
    client.force_login(member)
    token = csrf_from_hx_headers(client.get(reverse("home")).content.decode())
    assert len(token) >= 32


def test_guest_content_pages_carry_no_csrf_token(client: Client) -> None:
    """Guests change nothing on content pages, so those pages skip the token (and its cookie)."""
    response = client.get(reverse("routine_list"))
    assert "hx-headers" not in response.content.decode()
    assert "csrftoken" not in response.cookies


def test_logout_form_carries_the_csrf_token(member: object) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    html = client.get(reverse("home")).content.decode()
    (logout,) = [f for f in parse(html).forms if f.get("action") == reverse("logout")]
    assert (logout.get("method") or "").lower() == "post"
    fields = {i.get("name"): i.get("value") for i in parse(html).inputs}
    assert fields.get("csrfmiddlewaretoken")

    token = fields["csrfmiddlewaretoken"]
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_logout_without_csrf_token_is_refused(member: object) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    client.get(reverse("home"))
    assert client.post(reverse("logout")).status_code == 403
    assert "_auth_user_id" in client.session


def test_htmx_post_with_the_body_token_passes_csrf(member: object) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    token = csrf_from_hx_headers(client.get(reverse("home")).content.decode())
    response = client.post(reverse("logout"), HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_favicon_redirects_to_the_app_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/icon.svg")
