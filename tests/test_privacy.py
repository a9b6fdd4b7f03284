"""Your data: the JSON download read back, and deleting the account leaving nothing behind."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client
from django.urls import reverse

from routines.diary.models import CrampEntry
from routines.player.models import Run
from routines.privacy.views import ACCOUNT_DELETED
from routines.reminders.models import DeliveryAttempt, HydrationLog, PushSubscription

from .factories import make_routine
from .helpers.html import messages_of, page_text
from .helpers.people import PASSWORD, signed_in
from .helpers.reminders import make_occurrence

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}
User = get_user_model()


@pytest.fixture(autouse=True)
def frozen(clock: time_machine.Coordinates) -> time_machine.Coordinates:
    return clock


def fill(user: Any, tag: str) -> dict[str, Any]:
    """One of everything for `user`: a rated run, a diary entry, a reminder with an
    occurrence and its delivery record, a device with a test push's record, a glass."""
    routine = make_routine(title=f"Calf stretch {tag}", slug=f"calf-{tag}")
    run = Run.begin(routine, user=user, lead_in=False, now=T0 - dt.timedelta(days=1))
    Run.objects.filter(pk=run.pk).update(finished_at=T0, rating=4)
    entry = CrampEntry.objects.create(
        user=user,
        started_at=T0 - dt.timedelta(hours=5),
        muscle="calf",
        side="left",
        intensity=6,
        notes=f"notes of {tag}",
        run=run,
    )
    occurrence = make_occurrence(user, at=T0)
    device = PushSubscription.objects.create(
        user=user,
        endpoint=f"https://push.example/{tag}",
        p256dh=f"p256dh-secret-{tag}",
        auth=f"auth-secret-{tag}",
    )
    DeliveryAttempt.objects.create(
        occurrence=occurrence, subscription=device, endpoint=device.endpoint, at=T0, result="sent"
    )
    # A test notification: no occurrence, only the device.
    DeliveryAttempt.objects.create(
        subscription=device, endpoint=device.endpoint, at=T0, result="delivered"
    )
    HydrationLog.objects.create(user=user, at=T0, glasses=2)
    return {"run": run, "entry": entry, "occurrence": occurrence, "device": device}


def download(client: Client) -> dict[str, Any]:
    response = client.get(reverse("data_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="unknot-data-2026-03-04.json"'
    assert response["Cache-Control"] == "no-store"
    return json.loads(response.content)


def rows_referencing(user_pk: Any) -> dict[str, int]:
    """For every model with a key to the user model, how many of its rows point at `user_pk`."""
    found = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey | models.OneToOneField)
                and field.related_model is User
            ):
                count = model._default_manager.filter(**{field.attname: user_pk}).count()
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
    return found


# The download -------------------------------------------------------------------------------


def test_the_download_holds_what_was_made_and_nothing_of_anyone_else(
    sam: AbstractBaseUser, robin: AbstractBaseUser
) -> None:
    mine = fill(sam, "sam")
    fill(robin, "robin")

    data = download(signed_in(sam))

    assert data["format"] == 1
    assert data["account"]["username"] == "sam"
    assert data["account"]["email"] == "sam@example.com"
    assert data["settings"]["timezone"] == "Europe/Berlin"
    assert [r["id"] for r in data["runs"]] == [str(mine["run"].pk)]
    assert data["runs"][0]["rating"] == 4
    assert data["runs"][0]["routine"] == "Calf stretch sam"
    assert data["runs"][0]["finished_at"] == "2026-03-04T09:30:00Z"
    [entry] = data["cramp_diary"]
    assert entry["notes"] == "notes of sam"
    assert entry["started_at"] == "2026-03-04T04:30:00Z"
    assert entry["run_id"] == str(mine["run"].pk)
    assert [r["id"] for r in data["reminders"]] == [mine["occurrence"].reminder_id]
    assert data["reminder_occurrences"][0]["reminder_id"] == mine["occurrence"].reminder_id
    assert data["push_devices"] == [
        {
            "endpoint": "https://push.example/sam",
            "user_agent": "",
            "created": "2026-03-04T09:30:00Z",
            "last_delivered_at": None,
        }
    ]
    assert data["hydration_log"] == [{"at": "2026-03-04T09:30:00Z", "glasses": 2}]
    text = json.dumps(data)
    assert "robin" not in text
    for secret in ("p256dh-secret", "auth-secret", "pbkdf2", "md5$", sam.password):
        assert secret not in text
    assert Run.objects.get(pk=mine["run"].pk).rating == 4  # reading changes nothing


def test_the_data_page_says_what_is_in_the_file_and_links_both(client_sam: Client) -> None:
    response = client_sam.get(reverse("your_data"))
    text = page_text(response.content.decode())
    assert "Every routine you started, with your ratings." in text
    assert reverse("data_download") in response.content.decode()
    assert reverse("account_delete") in response.content.decode()
    account = client_sam.get(reverse("password_change")).content.decode()
    assert reverse("your_data") in account and reverse("account_delete") in account


@pytest.mark.parametrize("name", ["your_data", "data_download", "account_delete"])
def test_guests_are_sent_to_log_in(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    htmx = client.get(reverse(name), **HTMX)
    assert htmx["HX-Redirect"].startswith(reverse("login"))


def test_the_pages_accept_only_their_methods(client_sam: Client) -> None:
    assert client_sam.post(reverse("your_data")).status_code == 405
    assert client_sam.post(reverse("data_download")).status_code == 405
    assert client_sam.put(reverse("account_delete")).status_code == 405


# Deleting the account -----------------------------------------------------------------------


def test_deleting_leaves_nothing_referencing_the_person_and_logs_them_out_everywhere(
    sam: AbstractBaseUser, robin: AbstractBaseUser
) -> None:
    fill(sam, "sam")
    theirs = fill(robin, "robin")
    sam_pk = sam.pk
    phone, laptop, robins = signed_in(sam), signed_in(sam), signed_in(robin)
    before = rows_referencing(robin.pk)
    assert rows_referencing(sam_pk)  # the check below can see rows

    response = phone.post(reverse("account_delete"), {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not User.objects.filter(pk=sam_pk).exists()
    assert rows_referencing(sam_pk) == {}
    assert not DeliveryAttempt.objects.filter(endpoint="https://push.example/sam").exists()
    # Logged out here and on the other device; Robin's session and data are untouched.
    assert "_auth_user_id" not in phone.session
    assert laptop.get(reverse("your_data")).status_code == 302
    assert Session.objects.count() == 1
    assert robins.get(reverse("your_data")).status_code == 200
    assert rows_referencing(robin.pk) == before
    assert DeliveryAttempt.objects.filter(subscription=theirs["device"]).count() == 2
    assert CrampEntry.objects.get().notes == "notes of robin"
    home = phone.get(reverse("home"))
    assert messages_of(home) == [ACCOUNT_DELETED]


def test_a_wrong_password_deletes_nothing_and_says_so(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    fill(sam, "sam")
    before = rows_referencing(sam.pk)

    wrong = client_sam.post(reverse("account_delete"), {"password": "not-it"})
    empty = client_sam.post(reverse("account_delete"), {"password": ""})

    assert wrong.status_code == 400
    assert "That is not your password, so nothing was deleted." in page_text(wrong.content.decode())
    assert empty.status_code == 400
    assert "Type your password to confirm." in page_text(empty.content.decode())
    assert rows_referencing(sam.pk) == before
    assert client_sam.get(reverse("your_data")).status_code == 200


def test_over_htmx_a_wrong_password_swaps_the_form_and_the_right_one_redirects(
    client_sam: Client, sam: AbstractBaseUser
) -> None:
    wrong = client_sam.post(reverse("account_delete"), {"password": "not-it"}, **HTMX)
    assert wrong.status_code == 400
    html = wrong.content.decode()
    assert html.lstrip().startswith('<form id="delete-account"')
    assert "<html" not in html
    assert "That is not your password" in page_text(html)
    assert User.objects.filter(pk=sam.pk).exists()

    right = client_sam.post(reverse("account_delete"), {"password": PASSWORD}, **HTMX)
    assert right["HX-Redirect"] == reverse("home")
    assert not User.objects.filter(pk=sam.pk).exists()


def test_wrong_passwords_lock_out_like_the_log_in_and_delete_nothing(sam: AbstractBaseUser) -> None:
    client = signed_in(sam)
    answers = [
        client.post(reverse("account_delete"), {"password": "not-it"}).status_code
        for _ in range(10)
    ]
    locked = client.post(reverse("account_delete"), {"password": PASSWORD})

    assert answers == [400] * 9 + [429]
    assert locked.status_code == 429
    assert "Too many wrong passwords" in page_text(locked.content.decode())
    assert User.objects.filter(pk=sam.pk).exists()
    # The log-in page is locked for the same username and network too.
    log_in = Client().post(reverse("login"), {"username": "sam", "password": PASSWORD})
    assert log_in.status_code == 429


def test_deleting_needs_the_csrf_token(sam: AbstractBaseUser) -> None:
    client = signed_in(sam, enforce_csrf_checks=True)
    response = client.post(reverse("account_delete"), {"password": PASSWORD})
    assert response.status_code == 403
    assert User.objects.filter(pk=sam.pk).exists()
