"""The cramp diary: logging (the home page's three taps and the full form), the list, editing,
deleting, guests' entries and their move to an account, the caps and the throttle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from routines.content.library.safety import LONG_CRAMP_ADVICE, NOT_AN_EMERGENCY
from routines.diary.cleanup import old_guest_entries
from routines.diary.models import CrampEntry
from routines.diary.sessions import GUEST_CRAMPS, MAX_GUEST_CRAMPS
from routines.player.models import Run

from .factories import make_routine
from .helpers.html import main_text, messages_of, page_text
from .helpers.people import PASSWORD, make_user, signed_in

pytestmark = pytest.mark.django_db

#: A Tuesday night in winter, 03:12 in Berlin (02:12 UTC).
T0 = dt.datetime(2026, 1, 13, 2, 12, 30, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}

QUICK = {"from": "home", "muscle": "calf", "side": "left", "intensity": "7"}


@pytest.fixture(autouse=True)
def frozen(clock: time_machine.Coordinates) -> time_machine.Coordinates:
    return clock


def entry_for(user: Any, **fields: Any) -> CrampEntry:
    values = {"started_at": T0, "muscle": "calf", "side": "left", "intensity": 5, **fields}
    return CrampEntry.objects.create(user=user, **values)


def log(client: Client, data: dict[str, str], **extra: Any) -> Any:
    return client.post(reverse("diary_log"), data, **extra)


# Logging ------------------------------------------------------------------------------------


def test_quick_log_from_home_saves_the_cramp_now_and_lands_on_the_diary(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    response = log(client_sam, QUICK)

    assert response.status_code == 302
    assert response["Location"] == reverse("diary")
    entry = CrampEntry.objects.get()
    assert (entry.user, entry.muscle, entry.side, entry.intensity) == (sam, "calf", "left", 7)
    assert entry.started_at == T0
    assert entry.lasted_minutes is None and entry.context == ""
    # Sam's day runs in Berlin: 02:12 UTC is 03:12 there.
    assert messages_of(response) == ["Logged: calf, left, 7 out of 10, at 03:12."]


def test_quick_log_over_htmx_swaps_the_card_for_a_confirmation(client_sam: Client) -> None:
    response = log(client_sam, QUICK, **HTMX)

    assert response.status_code == 200
    entry = CrampEntry.objects.get()
    text = page_text(response.content.decode())
    assert "Cramp logged" in text
    assert "Calf, left, 7 out of 10, at 03:12." in text
    assert reverse("diary_edit", args=[entry.pk]) in response.content.decode()
    assert "<html" not in response.content.decode()


def test_home_offers_the_quick_log_to_guests_and_members_with_a_token(
    client: Client, client_sam: Client
) -> None:
    for person in (client, client_sam):
        html = person.get(reverse("home")).content.decode()
        assert "Had a cramp? Log it" in page_text(html)
        assert f'action="{reverse("diary_log")}"' in html
        assert 'name="csrfmiddlewaretoken"' in html
        # Intensity 1 to 10, each a submit button: the third tap saves.
        for n in range(1, 11):
            assert f'name="intensity" value="{n}"' in html


@pytest.mark.parametrize("guests", [2])
def test_each_guest_gets_their_own_token_though_the_home_body_is_cached(guests: int) -> None:
    for n in range(guests):  # the second guest's page comes from the cache
        browser = Client(enforce_csrf_checks=True)
        html = browser.get(reverse("home")).content.decode()
        quick_form = html.split('<form id="quick-log-form"', 1)[1].split("</form>", 1)[0]
        assert "csrfmiddlewaretoken" not in quick_form  # the cached part carries none
        outside = html.split('form="quick-log-form"', 1)[0].rsplit("<input", 1)[1]
        token = outside.split('value="', 1)[1].split('"', 1)[0]

        refused = browser.post(reverse("diary_log"), QUICK)
        assert refused.status_code == 403

        response = browser.post(reverse("diary_log"), {**QUICK, "csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert CrampEntry.objects.filter(user=None).count() == n + 1


def test_full_form_reads_the_time_in_the_persons_zone_and_keeps_the_details(
    client_sam: Client,
) -> None:
    response = log(
        client_sam,
        {
            "muscle": "foot",
            "side": "both",
            "intensity": "4",
            "started_at": "2026-01-12T23:40",
            "lasted_minutes": "3",
            "context": "night",
            "helped": "Standing on a cold floor",
            "notes": "After a long walk.",
        },
    )

    assert response.status_code == 302
    entry = CrampEntry.objects.get()
    # 23:40 in Berlin (UTC+1 in January) is 22:40 UTC.
    assert entry.started_at == dt.datetime(2026, 1, 12, 22, 40, tzinfo=dt.UTC)
    assert (entry.lasted_minutes, entry.context) == (3, "night")
    assert (entry.helped, entry.notes) == ("Standing on a cold floor", "After a long walk.")


def test_a_time_the_clock_skipped_becomes_the_first_minute_after_the_jump(
    sam: AbstractBaseUser,
) -> None:
    # Berlin springs forward at 02:00 on 29 March 2026: 02:30 does not exist that night.
    with time_machine.travel(dt.datetime(2026, 3, 29, 9, 0, tzinfo=dt.UTC), tick=False):
        response = log(signed_in(sam), {**QUICK, "started_at": "2026-03-29T02:30"})
    assert response.status_code == 302
    assert CrampEntry.objects.get().started_at == dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"muscle": "elbow"}, "Choose where the cramp was from the list."),
        ({"muscle": ""}, "Choose where the cramp was."),
        ({"side": "middle"}, "Choose left, right or both."),
        ({"intensity": "11"}, "How bad it was is a number from 1 to 10."),
        ({"intensity": "0"}, "How bad it was is a number from 1 to 10."),
        ({"intensity": "seven"}, "How bad it was is a number from 1 to 10."),
        ({"started_at": "2026-01-13T05:00"}, "That time is in the future."),
        ({"started_at": "2019-01-13T05:00"}, "more than five years ago"),
        ({"started_at": "last night"}, "Enter a valid date/time."),
        ({"started_at": "2026-01-12T٢٣:40"}, "Write the date with the digits 0 to 9."),
        ({"lasted_minutes": "0"}, "A cramp lasts at least 1 minute here (round up)."),
        ({"lasted_minutes": "601"}, "That is longer than 600 minutes"),
        ({"context": "asleep-ish"}, "Choose what you were doing from the list."),
        ({"notes": "x" * 1001}, "at most 1000 characters"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    client_sam: Client, change: dict[str, str], field_message: str
) -> None:
    data = {"muscle": "calf", "side": "left", "intensity": "6", **change}
    response = log(client_sam, data)

    assert response.status_code == 400
    text = main_text(response)
    assert "Nothing was saved" in text
    assert field_message in text
    assert CrampEntry.objects.count() == 0


def test_bad_quick_log_over_htmx_shows_the_error_in_the_card(client_sam: Client) -> None:
    response = log(client_sam, {"from": "home", "muscle": "calf", "intensity": "7"}, **HTMX)

    assert response.status_code == 400
    text = page_text(response.content.decode())
    assert "Nothing was saved." in text
    assert "Choose the side." in text
    # The choice already made is kept.
    assert 'value="calf" id="id_muscle_0" required checked' in response.content.decode()
    assert CrampEntry.objects.count() == 0


def test_the_form_page_prefills_muscle_and_side_from_the_query(client_sam: Client) -> None:
    response = client_sam.get(reverse("diary_log"), {"muscle": "foot", "side": "right"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="foot" id="id_muscle_1" required checked' in html
    assert 'value="right" id="id_side_1" required checked' in html
    # Now, in Berlin, to the minute.
    assert 'value="2026-01-13T03:12"' in html


def test_a_long_cramp_says_get_seen_today_and_not_the_emergency_number(
    client_sam: Client, frozen: time_machine.Coordinates
) -> None:
    log(client_sam, {**QUICK, "from": "", "lasted_minutes": "12"})
    text = main_text(client_sam.get(reverse("diary")))
    # The one wording of the 10-minute rule, as on the safety check, help and Learn.
    assert f"Get seen today. {LONG_CRAMP_ADVICE} {NOT_AN_EMERGENCY}" in text
    for number in ("999", "112", "911"):
        assert number not in text

    frozen.shift(60)  # a minute later, it is changed to 10 minutes
    entry = CrampEntry.objects.get()
    entry.lasted_minutes = 10
    entry.save()
    assert "get seen today" not in main_text(client_sam.get(reverse("diary"))).lower()


# A relief run linked to its cramp ------------------------------------------------------------


def test_a_run_of_ones_own_links_to_the_entry_and_anothers_is_404(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    routine = make_routine(title="Calf relief")
    mine = Run.begin(routine, user=sam, lead_in=False, now=timezone.now())
    theirs = Run.begin(routine, user=make_user("robin"), lead_in=False, now=timezone.now())

    page = client_sam.get(reverse("diary_log"), {"run": str(mine.id)})
    assert "Linked to your Calf relief" in main_text(page)
    assert log(client_sam, {**QUICK, "from": "", "run": str(mine.id)}).status_code == 302
    assert CrampEntry.objects.get().run == mine

    assert client_sam.get(reverse("diary_log"), {"run": str(theirs.id)}).status_code == 404
    assert log(client_sam, {**QUICK, "run": str(theirs.id)}).status_code == 404
    assert CrampEntry.objects.count() == 1


# The list, editing and deleting ---------------------------------------------------------------


def test_the_diary_lists_ones_own_entries_newest_first_in_local_time(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    entry_for(sam, started_at=T0 - dt.timedelta(days=2), muscle="foot")
    entry_for(sam, lasted_minutes=4, context="night", helped="Walking it off")
    entry_for(make_user("robin"), muscle="thigh")

    text = main_text(client_sam.get(reverse("diary")))
    assert text.index("Calf, left") < text.index("Foot or toes, left")
    assert "Tue 13 Jan 2026, 03:12 · lasted 4 min · at night, in bed" in text
    assert "Helped: Walking it off" in text
    assert "Front of thigh" not in text


def test_diary_needs_no_account_but_says_where_a_guests_entries_live(client: Client) -> None:
    log(client, QUICK)
    text = main_text(client.get(reverse("diary")))
    assert "Calf, left 7/10" in text
    assert "kept on this device only" in text


def test_editing_changes_the_entry_and_bad_input_leaves_it_untouched(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    entry = entry_for(sam)
    url = reverse("diary_edit", args=[entry.pk])

    page = client_sam.get(url)
    assert 'value="2026-01-13T03:12"' in page.content.decode()  # shown in Berlin time

    bad = client_sam.post(url, {"muscle": "calf", "side": "left", "intensity": "12"})
    assert bad.status_code == 400
    entry.refresh_from_db()
    assert entry.intensity == 5

    good = client_sam.post(
        url, {"muscle": "calf", "side": "right", "intensity": "8", "lasted_minutes": "2"}
    )
    assert good.status_code == 302
    entry.refresh_from_db()
    assert (entry.side, entry.intensity, entry.lasted_minutes) == ("right", 8, 2)
    # No time in the form: the start stays as it was.
    assert entry.started_at == T0


def test_another_persons_entry_is_404_to_view_edit_and_delete(
    client_sam: Client, client: Client
) -> None:
    theirs = entry_for(make_user("robin"))
    guests = entry_for(None)
    for entry in (theirs, guests):
        for name in ("diary_edit", "diary_delete"):
            url = reverse(name, args=[entry.pk])
            assert client_sam.get(url).status_code == 404
            assert client_sam.post(url, {**QUICK, "intensity": "1"}).status_code == 404
            assert client.get(url).status_code == 404
            assert client.post(url).status_code == 404
    assert CrampEntry.objects.count() == 2
    assert set(CrampEntry.objects.values_list("intensity", flat=True)) == {5}


def test_delete_asks_first_then_deletes(client_sam: Client, sam: AbstractBaseUser) -> None:
    entry = entry_for(sam)
    url = reverse("diary_delete", args=[entry.pk])

    ask = client_sam.get(url)
    assert "Delete this cramp?" in main_text(ask)
    assert '<button type="submit" class="button danger">Delete it</button>' in ask.content.decode()
    assert CrampEntry.objects.count() == 1

    response = client_sam.post(url)
    assert response.status_code == 302
    assert CrampEntry.objects.count() == 0
    assert messages_of(response) == ["Deleted that cramp from your diary."]


def test_delete_over_htmx_sends_the_page_back_to_the_diary(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    entry = entry_for(sam)
    response = client_sam.post(reverse("diary_delete", args=[entry.pk]), **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("diary")
    assert not CrampEntry.objects.exists()


def test_the_diary_accepts_only_its_methods(client_sam: Client) -> None:
    assert client_sam.post(reverse("diary")).status_code == 405
    assert client_sam.put(reverse("diary_log")).status_code == 405


# Guests ----------------------------------------------------------------------------------------


def test_a_guests_entries_become_theirs_on_log_in_and_not_someone_elses() -> None:
    sam = make_user("sam", timezone="Europe/Berlin")
    phone = Client()
    log(phone, QUICK)
    log(phone, {**QUICK, "muscle": "foot"})
    stranger = Client()
    log(stranger, QUICK)

    response = phone.post(reverse("login"), {"username": "sam", "password": PASSWORD})
    assert response.status_code == 302
    assert sorted(CrampEntry.objects.filter(user=sam).values_list("muscle", flat=True)) == [
        "calf",
        "foot",
    ]
    assert CrampEntry.objects.filter(user=None).count() == 1
    assert GUEST_CRAMPS not in phone.session


def test_a_guests_entries_become_the_new_accounts_on_sign_up(client: Client) -> None:
    log(client, QUICK)
    client.post(
        reverse("signup"),
        {
            "username": "newcomer",
            "email": "",
            "password1": "a-Very-long-passphrase-42",
            "password2": "a-Very-long-passphrase-42",
        },
    )
    assert CrampEntry.objects.get().user.get_username() == "newcomer"


def test_a_guest_sees_times_in_their_browsers_zone(client: Client) -> None:
    response = log(client, {**QUICK, "zone": "America/New_York"})
    assert messages_of(response) == ["Logged: calf, left, 7 out of 10, at 21:12."]
    client.get(reverse("diary"))  # shows (and so clears) the message
    # A made-up zone is ignored: the one given before stays.
    response = log(client, {**QUICK, "zone": "Mars/Olympus"})
    assert messages_of(response) == ["Logged: calf, left, 7 out of 10, at 21:12."]


# Caps and throttles ----------------------------------------------------------------------------


@override_settings(DIARY_MAX_ENTRIES_PER_ACCOUNT=2)
def test_an_account_at_its_cap_is_told_and_nothing_is_saved(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    entry_for(sam)
    assert log(client_sam, QUICK).status_code == 302

    response = log(client_sam, QUICK)
    assert response.status_code == 409
    assert "Your diary holds its most entries (2). Delete some old ones" in main_text(response)
    assert CrampEntry.objects.filter(user=sam).count() == 2

    htmx = log(client_sam, QUICK, **HTMX)
    assert htmx.status_code == 409
    assert "Delete some old ones" in page_text(htmx.content.decode())


def test_a_guest_session_keeps_at_most_its_cap(client: Client) -> None:
    for _ in range(MAX_GUEST_CRAMPS):
        assert log(client, QUICK).status_code == 302
    response = log(client, QUICK)
    assert response.status_code == 409
    assert "Sign up (free) to keep more" in main_text(response)
    assert CrampEntry.objects.count() == MAX_GUEST_CRAMPS


@override_settings(GUEST_CRAMPS_PER_IP_PER_HOUR=2)
def test_guests_logging_from_one_network_are_throttled_members_are_not(
    client_sam: Client,
) -> None:
    for _ in range(2):
        assert log(Client(), QUICK).status_code == 302
    refused = log(Client(), QUICK)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "logged from your network" in main_text(refused)
    assert log(Client(), QUICK, **HTMX).status_code == 429
    assert CrampEntry.objects.count() == 2
    assert log(client_sam, QUICK).status_code == 302


def test_clean_up_removes_guests_old_entries_only() -> None:
    sam = make_user("sam")
    entry_for(None)  # a guest's, eight days old by then
    old_member = entry_for(sam)
    with time_machine.travel(T0 + dt.timedelta(days=8), tick=False):
        fresh_guest = entry_for(None)
        assert old_guest_entries(timezone.now()) == 1
    assert set(CrampEntry.objects.values_list("pk", flat=True)) == {old_member.pk, fresh_guest.pk}


def test_a_relief_runs_summary_offers_to_log_the_cramp_linked_to_it(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    from routines.content.models import Purpose

    relief = make_routine(title="Calf relief", purpose=Purpose.RELIEF)
    prevention = make_routine(title="Bedtime", purpose=Purpose.PREVENTION)
    for routine, offered in ((relief, True), (prevention, False)):
        run = Run.begin(routine, user=sam, lead_in=False, now=timezone.now())
        Run.objects.filter(pk=run.pk).update(finished_at=timezone.now())
        html = client_sam.get(run.get_absolute_url()).content.decode()
        link = f'href="{reverse("diary_log")}?run={run.id}"'
        assert (link in html) is offered
